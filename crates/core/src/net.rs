//! Which IP addresses outgoing requests may reach (the SSRF guard's rules).

use crate::ValidationError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// An IP network in CIDR notation, e.g. `127.0.0.0/8` or `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = || {
            ValidationError::new(
                "federation.allowed_private_networks",
                format!("'{raw}' is not a network such as 127.0.0.0/8"),
            )
        };
        let (addr, prefix) = match raw.trim().split_once('/') {
            Some((a, p)) => (
                a.parse::<IpAddr>().map_err(|_| err())?,
                p.parse::<u8>().map_err(|_| err())?,
            ),
            None => {
                let a = raw.trim().parse::<IpAddr>().map_err(|_| err())?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(err());
        }
        Ok(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix)
                };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix)
                };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl IpNet {
    const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Self {
        Self {
            addr: IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
            prefix,
        }
    }

    const fn v6(bits: u128, prefix: u8) -> Self {
        Self {
            addr: IpAddr::V6(Ipv6Addr::from_bits(bits)),
            prefix,
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Every range a fetch of a public server must never reach (IANA's special-purpose registries,
/// and the IPv6 forms that embed an IPv4 address: such an address is refused whatever it carries).
const SPECIAL: &[IpNet] = &[
    IpNet::v4(0, 0, 0, 0, 8),            // "this network", unspecified
    IpNet::v4(10, 0, 0, 0, 8),           // private
    IpNet::v4(100, 64, 0, 0, 10),        // CGNAT
    IpNet::v4(127, 0, 0, 0, 8),          // loopback
    IpNet::v4(169, 254, 0, 0, 16),       // link-local (cloud metadata)
    IpNet::v4(172, 16, 0, 0, 12),        // private
    IpNet::v4(192, 0, 0, 0, 24),         // IETF protocol assignments
    IpNet::v4(192, 0, 2, 0, 24),         // documentation
    IpNet::v4(192, 88, 99, 0, 24),       // 6to4 relay anycast
    IpNet::v4(192, 168, 0, 0, 16),       // private
    IpNet::v4(198, 18, 0, 0, 15),        // benchmarking
    IpNet::v4(198, 51, 100, 0, 24),      // documentation
    IpNet::v4(203, 0, 113, 0, 24),       // documentation
    IpNet::v4(224, 0, 0, 0, 4),          // multicast
    IpNet::v4(240, 0, 0, 0, 4),          // reserved, broadcast
    IpNet::v6(0, 96),                    // unspecified, loopback, IPv4-compatible (::a.b.c.d)
    IpNet::v6(0xffff << 48, 96),         // IPv4-translated (SIIT)
    IpNet::v6(0x64_ff9b << 96, 96),      // NAT64 well-known prefix
    IpNet::v6(0x64_ff9b_0001 << 80, 48), // NAT64 local use
    IpNet::v6(0x0100 << 112, 64),        // discard-only
    IpNet::v6(0x2001 << 112, 23),        // IETF protocol assignments (Teredo, ORCHID, ...)
    IpNet::v6(0x2001_0db8 << 96, 32),    // documentation
    IpNet::v6(0x2002 << 112, 16),        // 6to4: embeds any IPv4 address
    IpNet::v6(0x3fff << 112, 20),        // documentation (RFC 9637)
    IpNet::v6(0xfc00 << 112, 7),         // unique local
    IpNet::v6(0xfe80 << 112, 10),        // link-local
    IpNet::v6(0xfec0 << 112, 10),        // site-local (deprecated)
    IpNet::v6(0xff00 << 112, 8),         // multicast
];

/// True for addresses that a fetch of a public fediverse server must never reach: loopback,
/// private, link-local, unique-local, CGNAT, multicast, broadcast, unspecified, documentation
/// and other special ranges, and IPv6 addresses that embed an IPv4 one.
pub fn is_special(ip: IpAddr) -> bool {
    let ip = canonical(ip);
    SPECIAL.iter().any(|n| n.contains(ip))
}

/// Whether an outgoing request may connect to `ip`, given the networks an operator allowed.
pub fn is_allowed(ip: IpAddr, allowed: &[IpNet]) -> bool {
    !is_special(ip) || allowed.iter().any(|n| n.contains(ip))
}

/// Why the guard refused a destination before connecting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused destination: {0}")]
pub struct Refused(pub String);

/// The guard's check of a URL before any connection: `https` (or `http` where the instance
/// itself runs on http), a host, and for IP-literal hosts the same address rule as for
/// resolved names. The URL parser has already turned every textual IPv4 form (decimal, hex,
/// octal, short) into the address, so `127.1` and `0x7f000001` are judged as `127.0.0.1`.
/// Names are judged after resolution, by the resolver.
pub fn check_destination(url: &Url, allowed: &[IpNet], allow_http: bool) -> Result<(), Refused> {
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        other => return Err(Refused(format!("scheme '{other}' is not allowed"))),
    }
    let ip = match url.host() {
        None => return Err(Refused("no host".into())),
        Some(Host::Domain(_)) => return Ok(()),
        Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
    };
    if is_allowed(ip, allowed) {
        Ok(())
    } else {
        Err(Refused(format!("{ip} is a special-purpose address")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn special_ranges() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "ff02::1",
            "::",
        ] {
            assert!(is_special(ip(bad)), "{bad}");
            assert!(!is_allowed(ip(bad), &[]), "{bad}");
        }
        for good in ["93.184.216.34", "2606:4700::1111", "1.1.1.1"] {
            assert!(!is_special(ip(good)), "{good}");
        }
    }

    #[test]
    fn embedded_and_reserved_ipv6() {
        for bad in [
            "::127.0.0.1",        // IPv4-compatible
            "::8.8.8.8",          // IPv4-compatible, even of a public address
            "::ffff:0:7f00:1",    // IPv4-translated
            "64:ff9b::7f00:1",    // NAT64 of 127.0.0.1
            "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
            "64:ff9b:1::1",
            "2002:7f00:1::1",      // 6to4
            "2001:0:4136:e378::1", // Teredo
            "2001:db8::1",
            "3fff::1",
            "fec0::1",
            "100::1",
            "::ffff:169.254.169.254",
            "::ffff:100.64.0.1",
        ] {
            assert!(is_special(ip(bad)), "{bad}");
        }
        assert!(!is_special(ip("::ffff:93.184.216.34")));
        assert!(!is_special(ip("2a01:4f8::1")));
    }

    fn check(raw: &str) -> Result<(), Refused> {
        check_destination(&Url::parse(raw).expect("url"), &[], true)
    }

    #[test]
    fn every_textual_form_of_a_special_address_is_refused() {
        for bad in [
            "http://127.0.0.1/",
            "http://2130706433/",   // decimal
            "http://0x7f000001/",   // hex
            "http://0x7f.0.0.1/",   // hex octet
            "http://0177.0.0.1/",   // octal
            "http://017700000001/", // octal whole
            "http://127.1/",        // short
            "http://127.0.1/",
            "http://0/", // 0.0.0.0
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://[64:ff9b::127.0.0.1]/",
            "http://[0:0:0:0:0:ffff:a00:1]/",
            "http://169.254.169.254/latest/meta-data",
            "http://0xa9fea9fe/",
            "http://10.1/",
            "http://192.168.0.1:8080/",
            "http://100.64.0.1/",
            "http://255.255.255.255/",
            "http://224.0.0.1/",
            "http://[fe80::1]/",
            "http://[fd12::1]/",
            "https://192.0.2.1/",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
        for good in [
            "https://example.org/users/a",
            "https://93.184.216.34/",
            "http://[2a01:4f8::1]/",
            "http://localhost:8080/", // a name: judged after resolution
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn schemes_and_hosts() {
        let url = |s: &str| Url::parse(s).expect("url");
        assert!(check_destination(&url("http://example.org/"), &[], false).is_err());
        assert!(check_destination(&url("https://example.org/"), &[], false).is_ok());
        for bad in [
            "file:///etc/passwd",
            "gopher://example.org/",
            "ftp://example.org/",
        ] {
            assert!(check_destination(&url(bad), &[], true).is_err(), "{bad}");
        }
        let lo = IpNet::parse("127.0.0.0/8").expect("net");
        assert!(check_destination(&url("http://2130706433/"), &[lo], true).is_ok());
        assert!(check_destination(&url("http://10.0.0.1/"), &[lo], true).is_err());
    }

    #[test]
    fn allow_list() {
        let lo = IpNet::parse("127.0.0.0/8").expect("net");
        assert!(is_allowed(ip("127.0.0.5"), &[lo]));
        assert!(is_allowed(ip("::ffff:127.0.0.5"), &[lo]));
        assert!(!is_allowed(ip("10.0.0.1"), &[lo]));
        let v6 = IpNet::parse("::1/128").expect("net");
        assert!(is_allowed(ip("::1"), &[v6]));
        assert!(IpNet::parse("10.0.0.0/33").is_err());
        assert!(IpNet::parse("nonsense").is_err());
        assert_eq!(IpNet::parse("::1").map(|n| n.prefix), Ok(128));
    }
}
