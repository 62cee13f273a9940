//! The `name:key=value,key=value` syntax shared by workload and model specs.
//!
//! Workloads and models parse their own parameters through this one type so that every
//! spec reports unknown keys, missing values and bad numbers with the same wording, and
//! prints back in one canonical spelling (which is what results store and compare by).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::units;

/// A parsed spec: its name and its `key=value` parameters, consumed one by one.
#[derive(Debug)]
pub struct Params {
    spec: String,
    name: String,
    values: BTreeMap<String, String>,
    positional: Option<String>,
}

impl Params {
    /// Split `sleep:1s` or `mixed:io=10ms,cpu=1000,steps=3` into name and parameters. A
    /// single value without `=` is positional (`sleep:1s`), taken by [`Params::positional`].
    pub fn parse(spec: &str) -> Result<Self, String> {
        let spec = spec.trim();
        let (name, rest) = spec.split_once(':').unwrap_or((spec, ""));
        if name.is_empty() {
            return Err(format!("'{spec}' has no name before ':'"));
        }
        let mut values = BTreeMap::new();
        let mut positional = None;
        for part in rest.split(',').filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                Some((key, value)) if !key.is_empty() => {
                    if values
                        .insert(key.trim().to_string(), value.trim().to_string())
                        .is_some()
                    {
                        return Err(format!("'{spec}' sets '{key}' twice"));
                    }
                }
                Some(_) => return Err(format!("'{spec}' has a value without a key")),
                None if positional.is_none() && values.is_empty() => positional = Some(part.to_string()),
                None => return Err(format!("'{spec}': '{part}' needs the form key=value")),
            }
        }
        Ok(Self {
            spec: spec.to_string(),
            name: name.to_string(),
            values,
            positional,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value given without a key, or under `key`.
    pub fn positional(&mut self, key: &str) -> Option<String> {
        self.positional.take().or_else(|| self.values.remove(key))
    }

    pub fn duration(&mut self, key: &str, default: Option<Duration>) -> Result<Duration, String> {
        match self.values.remove(key) {
            Some(v) => units::parse_duration(&v).map_err(|e| format!("{}: {key}: {e}", self.spec)),
            None => default.ok_or_else(|| format!("'{}' needs {key}=DURATION", self.spec)),
        }
    }

    pub fn count(&mut self, key: &str, default: Option<u64>) -> Result<u64, String> {
        match self.values.remove(key) {
            Some(v) => units::parse_count(&v)
                .map(|n| n as u64)
                .map_err(|e| format!("{}: {key}: {e}", self.spec)),
            None => default.ok_or_else(|| format!("'{}' needs {key}=NUMBER", self.spec)),
        }
    }

    pub fn size(&mut self, key: &str) -> Result<Option<u64>, String> {
        self.values
            .remove(key)
            .map(|v| units::parse_size(&v).map_err(|e| format!("{}: {key}: {e}", self.spec)))
            .transpose()
    }

    /// Fail on anything the spec's owner did not consume: a typo must not be ignored.
    pub fn finish(self, known: &str) -> Result<(), String> {
        if let Some(p) = self.positional {
            return Err(format!("'{}': unexpected value '{p}' (parameters: {known})", self.spec));
        }
        match self.values.keys().next() {
            Some(key) => Err(format!(
                "'{}': unknown parameter '{key}' (parameters: {known})",
                self.spec
            )),
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
    fn positional_value_and_unknown_keys() {
        let mut p = Params::parse("sleep:1s").unwrap();
        assert_eq!(p.positional("duration").as_deref(), Some("1s"));
        let p = Params::parse("sleep:1s,bogus=2").unwrap();
        assert!(p.finish("duration").unwrap_err().contains("unexpected value"));
        let mut p = Params::parse("cpu:iterations=5,bogus=2").unwrap();
        p.count("iterations", None).unwrap();
        assert!(p
            .finish("iterations")
            .unwrap_err()
            .contains("unknown parameter 'bogus'"));
        assert!(Params::parse("cpu:a=1,a=2").is_err());
        assert!(Params::parse(":x").is_err());
    }
}
