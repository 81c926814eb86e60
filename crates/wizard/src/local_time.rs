//! Times as people read them, in one home for the app's exports and the CLI: local time with its zone, to the second
//! (`2026-12-03 10:47:34 +01:00`), and how long ago. JSON and the saved state keep RFC 3339.

use std::sync::OnceLock;

use time::{OffsetDateTime, UtcOffset};

/// The computer's UTC offset, read once at start ([`init`]) while the process has one thread: the `time` crate
/// refuses to read it later, as the C library's time zone functions are not thread-safe.
static LOCAL_OFFSET: OnceLock<UtcOffset> = OnceLock::new();

/// Reads the local time zone's offset; call first thing in `main`. Where it cannot be read, times show in UTC.
pub fn init() {
    let _ = LOCAL_OFFSET.set(UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC));
}

/// The offset [`init`] read (UTC before it, or where it could not be read).
pub fn local_offset() -> UtcOffset {
    LOCAL_OFFSET.get().copied().unwrap_or(UtcOffset::UTC)
}

/// A time as people read it: `2026-12-03 10:47:34 +01:00` in the given offset, to the second (`UTC` for offset 0).
pub fn human_time(t: OffsetDateTime, offset: UtcOffset) -> String {
    let t = t.to_offset(offset);
    let zone = if offset == UtcOffset::UTC {
        "UTC".to_string()
    } else {
        let (h, m, _) = offset.as_hms();
        let sign = if offset.is_negative() { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} {zone}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An RFC 3339 time from a report (a certificate's validity, metadata's validUntil) as [`human_time`] in the local
/// zone; text that is not one is shown as it is.
pub fn human_rfc3339(s: &str) -> String {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| human_time(t, local_offset()))
        .unwrap_or_else(|_| s.to_string())
}

/// `s` with every RFC 3339 time in it (`2026-12-03T09:47:34Z`, with or without a fraction or an offset) shown as
/// [`human_time`] in the local zone: the validator's expected and found values carry such times.
pub fn human_times_in(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(rest) = s.get(i..).filter(|r| !r.is_empty()) {
        if let Some((len, t)) = time_at_start(rest) {
            out.push_str(&human_time(t, local_offset()));
            i += len;
        } else if let Some(c) = rest.chars().next() {
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The RFC 3339 time `s` starts with, and its length in bytes.
fn time_at_start(s: &str) -> Option<(usize, OffsetDateTime)> {
    const SHORTEST: usize = "2026-12-03T09:47:34Z".len();
    let head = s.as_bytes().get(..11)?;
    let digits = |r: std::ops::Range<usize>| {
        head.get(r)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    if !(digits(0..4) && head.get(4) == Some(&b'-') && head.get(10) == Some(&b'T')) {
        return None;
    }
    // The longest run of characters a time can hold, then the longest prefix of it that parses.
    let end = s
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || "-:T.Z+".contains(*c))
        .map(|(i, c)| i + c.len_utf8())
        .last()?;
    (SHORTEST..=end).rev().find_map(|n| {
        OffsetDateTime::parse(s.get(..n)?, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(|t| (n, t))
    })
}

/// How long before `now` a moment was, in the largest whole unit: "just now", "5 minutes ago", "3 hours ago",
/// "2 days ago" (a moment after `now`, from a clock that ran ahead, is "just now").
pub fn ago(then: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (now - then).whole_seconds();
    let plural = |n: i64, unit: &str| format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" });
    match secs {
        s if s < 60 => "just now".to_string(),
        s if s < 3600 => plural(s / 60, "minute"),
        s if s < 86_400 => plural(s / 3600, "hour"),
        s => plural(s / 86_400, "day"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_read_as_local_time_with_the_zone_to_the_second() {
        let t = datetime!(2026-12-03 09:47:34.759977151 UTC);
        assert_eq!(human_time(t, UtcOffset::UTC), "2026-12-03 09:47:34 UTC");
        let cet = UtcOffset::from_hms(1, 0, 0).unwrap();
        assert_eq!(human_time(t, cet), "2026-12-03 10:47:34 +01:00");
        let nst = UtcOffset::from_hms(-3, -30, 0).unwrap();
        assert_eq!(human_time(t, nst), "2026-12-03 06:17:34 -03:30");
    }

    #[test]
    fn report_times_are_read_and_other_text_is_kept() {
        // Before `init`, the offset is UTC.
        assert_eq!(
            human_rfc3339("2045-01-01T00:00:00Z"),
            human_time(datetime!(2045-01-01 0:00 UTC), local_offset())
        );
        assert_eq!(human_rfc3339("not a time"), "not a time");
    }

    #[test]
    fn how_long_ago_in_the_largest_unit() {
        let now = datetime!(2026-12-03 12:00 UTC);
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now + time::Duration::minutes(5), now), "just now");
        assert_eq!(ago(now - time::Duration::minutes(1), now), "1 minute ago");
        assert_eq!(
            ago(now - time::Duration::minutes(59), now),
            "59 minutes ago"
        );
        assert_eq!(ago(now - time::Duration::hours(3), now), "3 hours ago");
        assert_eq!(ago(now - time::Duration::days(2), now), "2 days ago");
    }

    #[test]
    fn times_inside_values_are_shown_as_people_read_them() {
        // Before `init`, the local offset is UTC.
        assert_eq!(
            human_times_in(
                "NotBefore 2026-12-03T15:22:28Z, NotOnOrAfter 2026-12-03T15:27:28.123456789Z"
            ),
            "NotBefore 2026-12-03 15:22:28 UTC, NotOnOrAfter 2026-12-03 15:27:28 UTC"
        );
        assert_eq!(
            human_times_in("[2026-12-03T16:22:28+01:00]"),
            "[2026-12-03 15:22:28 UTC]"
        );
        for kept in [
            "no time here",
            "AT&T",
            "T",
            "xxxxxxxxxxT",
            "ID _abcT123",
            "2026-12-03",
            "2026-12-03T99:99:99Z",
            "",
            "élan 2026-12-0",
        ] {
            assert_eq!(human_times_in(kept), kept);
        }
        assert_eq!(
            human_times_in("T é 2026-12-03T15:22:28Z."),
            "T é 2026-12-03 15:22:28 UTC."
        );
    }
}
