//! Timestamps: ISO-8601 / RFC 3339 in, milliseconds since the epoch inside,
//! RFC 3339 UTC out.

use jiff::Timestamp;

/// Milliseconds since the Unix epoch, or `None` when `text` is not an
/// RFC 3339 timestamp (with `Z` or an offset).
pub fn parse_ms(text: &str) -> Option<i64> {
    text.parse::<Timestamp>().ok().map(|t| t.as_millisecond())
}

/// `2026-03-02T14:05:11.482Z` style (milliseconds only when non-zero).
pub fn format_ms(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(t) if ms % 1000 == 0 => format!("{t:.0}"),
        Ok(t) => format!("{t:.3}"),
        Err(_) => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let ms = parse_ms("2026-03-02T14:05:11.482Z").unwrap();
        assert_eq!(format_ms(ms), "2026-03-02T14:05:11.482Z");
        let ms = parse_ms("2026-03-02T16:05:11+02:00").unwrap();
        assert_eq!(format_ms(ms), "2026-03-02T14:05:11Z");
        assert_eq!(parse_ms("yesterday"), None);
    }
}
