//! Typed input of the Interspace API: the query string and a JSON or form body, read into one
//! serde structure per operation. Forms carry only text, so the fields read through [`lenient`]
//! take a number or a yes/no written as text too. A value of the wrong kind is a 422 that names
//! its field (`capacity`, `place.kind`); names a structure does not know are ignored.

use super::InterspaceError;
use crate::extract::Params;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use interspace_app::{AppError, Page};
use interspace_core::ValidationError;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

/// The operation's input, deserialized from the request (query string, then body).
pub struct Input<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Input<T> {
    type Error = InterspaceError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let params = Params::from_request(req, payload);
        Box::pin(async move {
            let map = params.await?.map;
            parse(Value::Object(map)).map(Input)
        })
    }
}

/// Reads `value` as `T`, naming the field at fault.
pub fn parse<T: DeserializeOwned>(value: Value) -> Result<T, InterspaceError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { "body".into() } else { field };
        AppError::Validation(ValidationError::new(field, e.into_inner().to_string())).into()
    })
}

/// `max_id`, `since_id`, `min_id` and `limit`, as every list reads them (flattened into its
/// query structure).
#[derive(Debug, Default, Deserialize)]
pub struct Paging {
    #[serde(default, deserialize_with = "lenient::id")]
    pub max_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    pub since_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::id")]
    pub min_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::whole")]
    pub limit: Option<i64>,
}

impl Paging {
    /// The page asked for; `limit` defaults to `default` and is capped at `max`.
    pub fn page(&self, default: i64, max: i64) -> Page {
        Page {
            max_id: self.max_id.clone(),
            since_id: self.since_id.clone(),
            min_id: self.min_id.clone(),
            limit: self.limit.map_or(default, |l| l.clamp(1, max)),
        }
    }
}

/// An optional reason or message that goes with an action.
#[derive(Debug, Deserialize)]
pub struct Note {
    #[serde(default, deserialize_with = "lenient::text")]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub message: Option<String>,
}

/// `?uri=` of a lookup.
#[derive(Debug, Deserialize)]
pub struct Lookup {
    #[serde(default, deserialize_with = "lenient::id")]
    uri: Option<String>,
}

impl Lookup {
    pub fn uri(self) -> Result<String, InterspaceError> {
        self.uri
            .ok_or_else(|| AppError::Validation(ValidationError::new("uri", "is required")).into())
    }
}

/// `?state=` of a list.
#[derive(Debug, Deserialize)]
pub struct StateFilter {
    #[serde(default, deserialize_with = "lenient::id")]
    pub state: Option<String>,
}

/// Deserializers for fields that come from JSON and from forms alike. Each takes `null` (and
/// an absent field, with `#[serde(default)]`) as "not given".
pub mod lenient {
    use serde::de::{DeserializeOwned, Error};
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// Text: a string, or a number written as one.
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            _ => Err(D::Error::custom("must be a string")),
        }
    }

    /// Text where an empty string means "not given" (filters, ids).
    pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(text(d)?
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()))
    }

    /// A yes/no: JSON booleans and numbers, `true/false`, `1/0`, `on/off`, `yes/no`.
    pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        let parsed = match Value::deserialize(d)? {
            Value::Null => return Ok(None),
            v => crate::extract::flag(&v),
        };
        parsed
            .map(Some)
            .ok_or_else(|| D::Error::custom("must be a boolean"))
    }

    /// A whole number, or its text; an empty text is "not given".
    pub fn whole<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            v => v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .map(Some)
                .ok_or_else(|| D::Error::custom("must be a whole number")),
        }
    }

    /// A whole number that may be cleared: absent is `None` (with `#[serde(default)]`),
    /// `null` or empty text is `Some(None)`.
    pub fn clearable_whole<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<i64>>, D::Error> {
        whole(d)
            .map(Some)
            .map_err(|_| D::Error::custom("must be a whole number or null"))
    }

    /// A value that may be cleared: absent is `None` (with `#[serde(default)]`), `null` is
    /// `Some(None)`.
    pub fn clearable<'de, D: Deserializer<'de>, T: DeserializeOwned>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(Some(None)),
            v => serde_json::from_value(v)
                .map(|t| Some(Some(t)))
                .map_err(D::Error::custom),
        }
    }

    /// Words (skills, handles): a JSON array, `key[]=` repeated, or one text separated by
    /// commas or spaces (forms); empty words are dropped.
    pub fn words<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
        let value = Value::deserialize(d)?;
        let split = !value.is_array();
        let Some(list) = texts(value).map_err(D::Error::custom)? else {
            return Ok(None);
        };
        Ok(Some(
            list.iter()
                .flat_map(|s| {
                    if split {
                        s.split([',', ' ']).map(str::to_string).collect()
                    } else {
                        vec![s.clone()]
                    }
                })
                .filter(|s| !s.trim().is_empty())
                .collect(),
        ))
    }

    /// A list of texts: a JSON array, `key[]=` repeated, or a single value.
    pub fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::Array(items) => Some(
                items
                    .into_iter()
                    .filter_map(|i| match i {
                        Value::String(s) => Some(s),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect(),
            ),
            Value::String(s) => Some(vec![s]),
            Value::Number(n) => Some(vec![n.to_string()]),
            _ => return Err(D::Error::custom("must be a list of strings")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "lenient::text")]
        title: Option<String>,
        #[serde(default, deserialize_with = "lenient::clearable_whole")]
        capacity: Option<Option<i64>>,
        #[serde(default, deserialize_with = "lenient::flag")]
        waitlist: Option<bool>,
        #[serde(default, deserialize_with = "lenient::texts")]
        skills: Option<Vec<String>>,
        #[serde(default)]
        place: Option<Place>,
        #[serde(flatten)]
        paging: Paging,
    }

    #[derive(Debug, Deserialize)]
    struct Place {
        kind: String,
    }

    fn field_of(e: InterspaceError) -> String {
        match e.0 {
            crate::ApiError::App(AppError::Validation(v)) => v.field.into_owned(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    #[test]
    fn form_text_and_json_values_read_alike() {
        let form: Sample = parse(json!({
            "title": "Demo", "capacity": "12", "waitlist": "on", "skills": "rust", "limit": "5",
            "place": {"kind": "online"}
        }))
        .expect("form");
        let body: Sample = parse(json!({
            "title": "Demo", "capacity": 12, "waitlist": true, "skills": ["rust"], "limit": 5,
            "place": {"kind": "online"}
        }))
        .expect("json");
        for s in [form, body] {
            assert_eq!(s.title.as_deref(), Some("Demo"));
            assert_eq!(s.capacity, Some(Some(12)));
            assert_eq!(s.waitlist, Some(true));
            assert_eq!(s.skills, Some(vec!["rust".to_string()]));
            assert_eq!(s.paging.page(20, 80).limit, 5);
            assert_eq!(s.place.map(|p| p.kind).as_deref(), Some("online"));
        }
    }

    #[test]
    fn absent_null_and_cleared_are_told_apart() {
        let absent: Sample = parse(json!({})).expect("absent");
        assert_eq!(absent.capacity, None);
        assert_eq!(absent.paging.page(20, 80).limit, 20);
        let cleared: Sample = parse(json!({"capacity": null})).expect("null");
        assert_eq!(cleared.capacity, Some(None));
        let emptied: Sample = parse(json!({"capacity": "", "limit": "500"})).expect("empty");
        assert_eq!(emptied.capacity, Some(None));
        assert_eq!(emptied.paging.page(20, 80).limit, 80);
    }

    #[test]
    fn a_wrong_value_names_its_field() {
        let e = parse::<Sample>(json!({"capacity": "many"})).expect_err("capacity");
        assert_eq!(field_of(e), "capacity");
        let e = parse::<Sample>(json!({"waitlist": "perhaps"})).expect_err("flag");
        assert_eq!(field_of(e), "waitlist");
        let e = parse::<Sample>(json!({"title": {"a": 1}})).expect_err("title");
        assert_eq!(field_of(e), "title");
        let e = parse::<Sample>(json!({"place": {"kind": 3}})).expect_err("place");
        assert_eq!(field_of(e), "place.kind");
    }
}
