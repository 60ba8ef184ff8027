//! Lenient field types shared by the readers.

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

/// Consumes any value, giving `Other` (the non-string cases of the lenient
/// visitors).
macro_rules! other_values {
    ($value:ty, $other:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
            Ok($other)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<$value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($other)
        }
    };
}

/// A shell command given as a string or as an argv array (joined with
/// shell quoting, so that re-splitting gives the argv back).
#[derive(Debug, Clone, Default)]
pub struct CommandField {
    pub text: String,
    pub argv: Option<Vec<String>>,
    /// Neither a string nor a list of strings: the command is unknown.
    pub unreadable: bool,
}

impl<'de> Deserialize<'de> for CommandField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CommandField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command string or an argv array")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CommandField, E> {
                Ok(CommandField {
                    text: v.to_string(),
                    argv: None,
                    unreadable: false,
                })
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<CommandField, E> {
                Ok(CommandField {
                    text: v,
                    argv: None,
                    unreadable: false,
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CommandField, A::Error> {
                let mut argv = Vec::new();
                let mut unreadable = false;
                while let Some(arg) = seq.next_element::<Lenient<'_>>()? {
                    match arg {
                        Lenient::Text(t) => argv.push(t.into_owned()),
                        Lenient::Other => unreadable = true,
                    }
                }
                if unreadable {
                    return Ok(CommandField {
                        unreadable: true,
                        ..CommandField::default()
                    });
                }
                Ok(CommandField {
                    text: shell_words::join(&argv),
                    argv: Some(argv),
                    unreadable: false,
                })
            }
            other_values!(
                CommandField,
                CommandField {
                    unreadable: true,
                    ..CommandField::default()
                }
            );
        }
        d.deserialize_any(V)
    }
}

/// A string, or a number taken as its decimal text (task ids).
#[derive(Debug, Clone, Default)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Message content: a plain string (nothing the audit uses) or a list of
/// blocks of type `B`.
#[derive(Debug)]
pub struct Blocks<B>(pub Vec<B>);

impl<B> Default for Blocks<B> {
    fn default() -> Self {
        Blocks(Vec::new())
    }
}

impl<'de, B: Deserialize<'de>> Deserialize<'de> for Blocks<B> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<B>(std::marker::PhantomData<B>);
        impl<'de, B: Deserialize<'de>> Visitor<'de> for V<B> {
            type Value = Blocks<B>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of content blocks")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Blocks<B>, E> {
                Ok(Blocks(Vec::new()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Blocks<B>, E> {
                Ok(Blocks(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Blocks<B>, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<B>()? {
                    out.push(b);
                }
                Ok(Blocks(out))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Blocks<B>, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Blocks(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Parses one line: as text when it is valid UTF-8 (checked once for the
/// whole line, not string by string), else as bytes (for the error).
pub fn parse<'a, T: Deserialize<'a>>(line: &'a [u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(line) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(line),
    }
}

/// Tells a shape mismatch from invalid JSON, for the parse-error message.
pub fn describe_error(line: &[u8], err: &serde_json::Error, what: &str) -> String {
    match serde_json::from_slice::<IgnoredAny>(line) {
        Ok(_) => format!("valid JSON, but not a known {what} line: {err}"),
        Err(e) => format!("not valid JSON: {e}"),
    }
}

/// A string field that may hold something else: `Other` when it does
/// (counted, not an unreadable line: the call still happened).
#[derive(Debug, Clone)]
pub enum Lenient<'a> {
    Text(std::borrow::Cow<'a, str>),
    Other,
}

impl<'a> Lenient<'a> {
    pub fn text(&self) -> Option<&str> {
        match self {
            Lenient::Text(t) => Some(t),
            Lenient::Other => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Lenient<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Lenient<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Lenient<'a>, E> {
                Ok(Lenient::Text(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Lenient<'a>, E> {
                Ok(Lenient::Text(std::borrow::Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Lenient<'a>, E> {
                Ok(Lenient::Text(std::borrow::Cow::Owned(v)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lenient<'a>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient::Other)
            }
            other_values!(Lenient<'a>, Lenient::Other);
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A tool call's arguments: an object of type `T`, or something else
/// (a redacted string, a list): the call is counted without them.
#[derive(Debug)]
pub enum Arguments<T> {
    Object(T),
    Other,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Arguments<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Arguments<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Arguments<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Arguments::Object)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Arguments<T>, E> {
                Ok(Arguments::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Arguments<T>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Arguments::Other)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Arguments<T>, E> {
                Ok(Arguments::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Arguments<T>, E> {
                Ok(Arguments::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Arguments<T>, E> {
                Ok(Arguments::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Arguments<T>, E> {
                Ok(Arguments::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Arguments<T>, E> {
                Ok(Arguments::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}
