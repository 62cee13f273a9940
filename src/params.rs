//! The `name:key=value,key=value` syntax shared by workload and model specs.
//!
//! Workloads and models parse their own parameters through this one type so that every
//! spec reports unknown keys, missing values and bad numbers with the same wording, and
//! prints back in one canonical spelling (which is what results store and compare by).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::units::{self, ValueError};

/// A workload or model spec that cannot be used, said in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("'{spec}' has no name before ':'")]
    NoName { spec: String },
    #[error("'{spec}' sets '{key}' twice")]
    Twice { spec: String, key: String },
    #[error("'{spec}': '{part}' needs the form key=value")]
    NotKeyValue { spec: String, part: String },
    #[error("'{spec}' needs {key}={what}")]
    Missing {
        spec: String,
        key: String,
        what: &'static str,
    },
    #[error("{spec}: {key}: {error}")]
    Value {
        spec: String,
        key: String,
        /// In the message, so not also the source: each cause prints once.
        error: ValueError,
    },
    #[error("'{spec}': unexpected value '{value}' (parameters: {known})")]
    Unexpected { spec: String, value: String, known: String },
    #[error("'{spec}': unknown parameter '{key}' (parameters: {known})")]
    UnknownParameter { spec: String, key: String, known: String },
    #[error("unknown {family} '{name}' (known: {known})")]
    Unknown {
        family: &'static str,
        name: String,
        known: String,
    },
    /// A parameter that parses but makes no sense (`requests=0`, both of two exclusives).
    #[error("{spec}: {reason}")]
    Invalid { spec: String, reason: String },
}

impl SpecError {
    /// A spec whose parameters parse but do not make sense together.
    pub fn invalid(spec: impl Into<String>, reason: impl Into<String>) -> Self {
        SpecError::Invalid {
            spec: spec.into(),
            reason: reason.into(),
        }
    }
}

/// A parsed spec: its name and its `key=value` parameters, consumed one by one.
#[derive(Debug)]
pub struct Params {
    spec: String,
    name: String,
    values: BTreeMap<String, String>,
    /// A key's values after its first, in order: taken by [`Params::all`], refused by
    /// [`Params::finish`] for any other key.
    again: Vec<(String, String)>,
    positional: Option<String>,
}

impl Params {
    /// Split `sleep:1s` or `mixed:io=10ms,cpu=1000,steps=3` into name and parameters. A
    /// single value without `=` is positional (`sleep:1s`), taken by [`Params::positional`].
    pub fn parse(spec: &str) -> Result<Self, SpecError> {
        let spec = spec.trim();
        let (name, rest) = spec.split_once(':').unwrap_or((spec, ""));
        if name.is_empty() {
            return Err(SpecError::NoName { spec: spec.into() });
        }
        let mut values = BTreeMap::new();
        let mut again = Vec::new();
        let mut positional = None;
        for part in rest.split(',').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((key, value)) if !key.is_empty() => {
                    let (key, value) = (key.trim().to_string(), value.trim().to_string());
                    match values.entry(key) {
                        std::collections::btree_map::Entry::Occupied(e) => again.push((e.key().clone(), value)),
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(value);
                        }
                    }
                }
                None if positional.is_none() && values.is_empty() => positional = Some(part.to_string()),
                _ => {
                    return Err(SpecError::NotKeyValue {
                        spec: spec.into(),
                        part: part.into(),
                    })
                }
            }
        }
        Ok(Self {
            spec: spec.to_string(),
            name: name.to_string(),
            values,
            again,
            positional,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Split a library variant off the name: `rs-pool+ureq:size=8` leaves the name
    /// `rs-pool` and returns `ureq`.
    pub fn take_variant(&mut self) -> Option<String> {
        let (name, variant) = self.name.split_once('+').map(|(n, v)| (n.to_string(), v.to_string()))?;
        self.name = name;
        Some(variant)
    }

    /// The value given without a key, or under `key`.
    pub fn positional(&mut self, key: &str) -> Option<String> {
        self.positional.take().or_else(|| self.values.remove(key))
    }

    /// The text under `key`, as given, if any (paths, names).
    pub fn text(&mut self, key: &str) -> Option<String> {
        self.values.remove(key)
    }

    /// Every value of a repeatable `key` (`path=/a,path=/b`), in the order given.
    pub fn all(&mut self, key: &str) -> Vec<String> {
        let mut out: Vec<String> = self.values.remove(key).into_iter().collect();
        let (mine, rest) = std::mem::take(&mut self.again).into_iter().partition(|(k, _)| k == key);
        self.again = rest;
        out.extend(mine.into_iter().map(|(_, v): (String, String)| v));
        out
    }

    /// The spec as given, for error messages.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    fn value_error(&self, key: &str, source: ValueError) -> SpecError {
        SpecError::Value {
            spec: self.spec.clone(),
            key: key.into(),
            error: source,
        }
    }

    fn missing(&self, key: &str, what: &'static str) -> SpecError {
        SpecError::Missing {
            spec: self.spec.clone(),
            key: key.into(),
            what,
        }
    }

    pub fn duration(&mut self, key: &str, default: Option<Duration>) -> Result<Duration, SpecError> {
        match self.values.remove(key) {
            Some(v) => units::parse_duration(&v).map_err(|e| self.value_error(key, e)),
            None => default.ok_or_else(|| self.missing(key, "DURATION")),
        }
    }

    /// A duration given under `key` or without a key, if any.
    pub fn positional_duration(&mut self, key: &str) -> Result<Option<Duration>, SpecError> {
        match self.positional(key) {
            Some(v) => units::parse_duration(&v)
                .map(Some)
                .map_err(|e| self.value_error(key, e)),
            None => Ok(None),
        }
    }

    pub fn count(&mut self, key: &str, default: Option<u64>) -> Result<u64, SpecError> {
        match self.values.remove(key) {
            Some(v) => units::parse_count(&v)
                .map(|n| n as u64)
                .map_err(|e| self.value_error(key, e)),
            None => default.ok_or_else(|| self.missing(key, "NUMBER")),
        }
    }

    /// A count given under `key` or without a key, if any (`rs-pool:8`, `rs-pool:size=8`).
    pub fn positional_count(&mut self, key: &str) -> Result<Option<usize>, SpecError> {
        match self.positional(key) {
            Some(v) => units::parse_count(&v).map(Some).map_err(|e| self.value_error(key, e)),
            None => Ok(None),
        }
    }

    /// A count under `key`, if given.
    pub fn optional_count(&mut self, key: &str) -> Result<Option<u64>, SpecError> {
        match self.values.remove(key) {
            Some(v) => units::parse_count(&v)
                .map(|n| Some(n as u64))
                .map_err(|e| self.value_error(key, e)),
            None => Ok(None),
        }
    }

    pub fn size(&mut self, key: &str) -> Result<Option<u64>, SpecError> {
        match self.values.remove(key) {
            Some(v) => units::parse_size(&v).map(Some).map_err(|e| self.value_error(key, e)),
            None => Ok(None),
        }
    }

    /// A `true`/`false` switch under `key` (or without a key), `default` when absent.
    pub fn flag(&mut self, key: &str, default: bool) -> Result<bool, SpecError> {
        match self.positional(key).as_deref() {
            None => Ok(default),
            Some("true" | "on" | "yes" | "1") => Ok(true),
            Some("false" | "off" | "no" | "0") => Ok(false),
            Some(other) => Err(SpecError::invalid(
                self.spec.clone(),
                format!("{key}={other} is not true or false"),
            )),
        }
    }

    /// One of a few words under `key`, the first when absent.
    pub fn choice(&mut self, key: &str, words: &[&'static str]) -> Result<&'static str, SpecError> {
        match self.values.remove(key) {
            None => Ok(words[0]),
            Some(v) => words.iter().copied().find(|w| *w == v).ok_or_else(|| {
                SpecError::invalid(
                    self.spec.clone(),
                    format!("{key}={v} is not one of {}", words.join(", ")),
                )
            }),
        }
    }

    /// Fail on anything the spec's owner did not consume: a typo must not be ignored.
    pub fn finish(self, known: &str) -> Result<(), SpecError> {
        if let Some((key, _)) = self.again.into_iter().next() {
            return Err(SpecError::Twice { spec: self.spec, key });
        }
        if let Some(value) = self.positional {
            return Err(SpecError::Unexpected {
                spec: self.spec,
                value,
                known: known.into(),
            });
        }
        match self.values.into_keys().next() {
            Some(key) => Err(SpecError::UnknownParameter {
                spec: self.spec,
                key,
                known: known.into(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_name_and_parameters() {
        let mut p = Params::parse("mixed:io=10ms,cpu=1k,steps=3").unwrap();
        assert_eq!(p.name(), "mixed");
        assert_eq!(p.duration("io", None), Ok(Duration::from_millis(10)));
        assert_eq!(p.count("cpu", None), Ok(1000));
        assert_eq!(p.count("steps", Some(1)), Ok(3));
        assert!(p.finish("io, cpu, steps").is_ok());
    }

    #[test]
    fn a_variant_splits_off_the_name() {
        let mut p = Params::parse("rs-pool+ureq:size=8").unwrap();
        assert_eq!(p.take_variant().as_deref(), Some("ureq"));
        assert_eq!(p.name(), "rs-pool");
        assert_eq!(p.spec(), "rs-pool+ureq:size=8");
        assert_eq!(Params::parse("rs-pool").unwrap().take_variant(), None);
    }

    #[test]
    fn positional_value_and_unknown_keys() {
        let mut p = Params::parse("sleep:1s").unwrap();
        assert_eq!(p.positional("duration").as_deref(), Some("1s"));
        let p = Params::parse("sleep:1s,bogus=2").unwrap();
        assert!(p
            .finish("duration")
            .unwrap_err()
            .to_string()
            .contains("unexpected value"));
        let mut p = Params::parse("cpu:iterations=5,bogus=2").unwrap();
        p.count("iterations", None).unwrap();
        assert!(p
            .finish("iterations")
            .unwrap_err()
            .to_string()
            .contains("unknown parameter 'bogus'"));
        let mut p = Params::parse("cpu:a=1,a=2").unwrap();
        p.text("a");
        assert!(p.finish("a").unwrap_err().to_string().contains("sets 'a' twice"));
        let mut p = Params::parse("serve-app:path=/a,x=1,path=/b?q=1").unwrap();
        assert_eq!(p.all("path"), ["/a", "/b?q=1"]);
        assert_eq!(p.text("x").as_deref(), Some("1"));
        assert!(p.finish("path, x").is_ok());
        assert!(Params::parse(":x").is_err());
    }
}
