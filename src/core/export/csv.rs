//! CSV rendering (CSV导出): what Excel opens correctly by double-click.
//!
//! - **UTF-8 with a byte-order mark.** Without the BOM, Excel on Chinese Windows
//!   reads a CSV as GBK and shows mojibake; with it, Excel, WPS and LibreOffice all
//!   read UTF-8.
//! - **RFC 4180.** Fields separated by commas, records ended by CRLF (the last one
//!   too); a field containing a comma, a double quote, CR or LF is enclosed in
//!   double quotes, with inner quotes doubled. Every record has as many fields as
//!   the header.
//! - **Header first, no title rows.** A CSV is read by programs and by Excel's
//!   filter as one table; a title line above the header would be taken for data.
//! - **Merged cells repeat.** CSV cannot merge, so each cell covered by a merge holds
//!   the merge's value (序号 and 督战县 on every row of the county): each row stands
//!   alone when sorted or filtered.
//! - **Values as displayed** ([`Cell::display`]): "3071人", dates `YYYY-MM-DD`.
//! - **Formula guard.** A *text* cell that a spreadsheet would evaluate
//!   ([`formula_like`]) gets a leading apostrophe, so `=HYPERLINK(…)` typed into a
//!   problem description is shown, never run. Numbers and dates are never guarded.

use super::sheet::{formula_like, Cell, Sheet};

/// The byte-order mark that starts every CSV file.
pub const BOM: char = '\u{feff}';

/// The sheet as CSV text (starting with the BOM); see the module doc for the rules.
pub fn to_csv(sheet: &Sheet) -> String {
    let cols = sheet.columns();
    let mut out = String::with_capacity(64 + sheet.rows.len() * cols * 12);
    out.push(BOM);
    write_record(&mut out, sheet.header.iter().map(|h| guard(h)));
    for r in 0..sheet.rows.len() {
        write_record(
            &mut out,
            (0..cols).map(|c| {
                let cell = sheet.shown_cell(r, c);
                match cell {
                    Cell::Text(s) => guard(s),
                    other => other.display(),
                }
            }),
        );
    }
    out
}

/// Text with the formula guard applied.
fn guard(s: &str) -> String {
    if formula_like(s) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn write_record(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_field(out, &f);
    }
    out.push_str("\r\n");
}

fn write_field(out: &mut String, f: &str) {
    if f.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&f.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fields_that_need_quotes_get_them() {
        for (field, want) in [("a", "a"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("a\nb", "\"a\nb\""), ("", "")] {
            let mut out = String::new();
            write_field(&mut out, field);
            assert_eq!(out, want, "{field:?}");
        }
    }

    #[test]
    fn the_guard_prefixes_formula_like_text_only() {
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(guard("1+1"), "1+1");
    }
}
