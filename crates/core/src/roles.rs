//! Roles of local users and the instance's registration mode.

use crate::ValidationError;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member,
    /// Front desk: approves visits, checks visitors in and out.
    Host,
    /// Everything for its space.
    Operator,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim() {
            "member" => Ok(Self::Member),
            "host" => Ok(Self::Host),
            "operator" => Ok(Self::Operator),
            other => Err(ValidationError::new(
                "role",
                format!("'{other}' is not one of member, host, operator"),
            )),
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Host => "host",
            Self::Operator => "operator",
        }
    }

    /// Staff are hosts and operators: they appear in the space's `attributedTo`.
    pub fn is_staff(self) -> bool {
        self >= Self::Host
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may create an account: nobody, anyone with operator approval, or anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegistrationMode {
    Closed,
    #[default]
    Approval,
    Open,
}

impl RegistrationMode {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim() {
            "closed" => Ok(Self::Closed),
            "approval" => Ok(Self::Approval),
            "open" => Ok(Self::Open),
            other => Err(ValidationError::new(
                "instance.registrations",
                format!("'{other}' is not one of closed, approval, open"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Approval => "approval",
            Self::Open => "open",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips() {
        for r in ["member", "host", "operator"] {
            assert_eq!(Role::parse(r).map(Role::as_str), Ok(r));
        }
        assert!(Role::parse("king").is_err());
        assert!(Role::Operator.is_staff() && Role::Host.is_staff() && !Role::Member.is_staff());
        for m in ["closed", "approval", "open"] {
            assert_eq!(
                RegistrationMode::parse(m).map(RegistrationMode::as_str),
                Ok(m)
            );
        }
        assert!(RegistrationMode::parse("maybe").is_err());
    }
}
