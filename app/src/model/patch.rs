//! Typed records from JSON objects, with mistakes reported under the field that has them:
//! what the JSON API's bodies and the offline client's operations are read with.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::FieldErrors;

/// Deserializes `value`, reporting a mistake under the path of the field that has it.
pub fn typed<T: DeserializeOwned>(value: Value) -> Result<T, FieldErrors> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde reports unknown and missing fields at the object itself; name the field instead.
        let quoted =
            |prefix: &str| inner.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(str::to_owned);
        let (field, message) = if let Some(missing) = quoted("missing field `") {
            (missing, "This field is required.".to_owned())
        } else if let Some(unknown) = quoted("unknown field `") {
            (unknown, sentence(&inner))
        } else if path == "." {
            ("body".to_owned(), sentence(&inner))
        } else {
            (path, sentence(&inner))
        };
        FieldErrors::from([(field, message)])
    })
}

/// `record` as a JSON object (its fields by name).
pub fn fields_of<D: Serialize>(record: &D) -> Map<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The draft `current` with the fields in `changes` replaced (a PATCH), checked like a
/// whole draft: unknown fields and wrong types are field errors.
pub fn merged<D: Serialize + DeserializeOwned>(current: &D, changes: Map<String, Value>) -> Result<D, FieldErrors> {
    let mut merged = fields_of(current);
    merged.extend(changes);
    typed(Value::Object(merged))
}

fn sentence(text: &str) -> String {
    let mut s = text.to_owned();
    if let Some(first) = s.get(..1) {
        s.replace_range(..1, &first.to_uppercase());
    }
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::OrganizationDraft;
    use serde_json::json;

    #[test]
    fn type_errors_name_their_field() {
        let err = typed::<OrganizationDraft>(json!({"name": "x", "annual_revenue_cents": "lots"})).unwrap_err();
        assert!(err["annual_revenue_cents"].starts_with("Invalid type"));
        let err = typed::<OrganizationDraft>(json!({"name": "x", "nmae": "y"})).unwrap_err();
        assert!(err["nmae"].starts_with("Unknown field"));
        let err = typed::<OrganizationDraft>(json!({})).unwrap_err();
        assert_eq!(err["name"], "This field is required.");
        let err = typed::<OrganizationDraft>(json!({"name": "x", "priority": "Z"})).unwrap_err();
        assert!(err.contains_key("priority"));
    }

    #[test]
    fn a_patch_replaces_only_the_fields_it_names() {
        let current = OrganizationDraft { name: "Blue Fin".into(), city: Some("Austin".into()), ..Default::default() };
        let patched = merged(&current, json!({"city": "Dallas"}).as_object().cloned().unwrap()).unwrap();
        assert_eq!(patched.name, "Blue Fin");
        assert_eq!(patched.city.as_deref(), Some("Dallas"));
        assert!(merged(&current, json!({"citty": "Dallas"}).as_object().cloned().unwrap()).is_err());
    }
}
