//! The page layout every document shares: A4 pages, the three embedded DejaVu faces,
//! lines wrapped by the fonts' own glyph widths, tables whose heading repeats on each
//! page, the kop (letterhead) with its double rule, a QR code drawn as vector squares,
//! and a footer with "Halaman i dari n". Layout first records what to draw on which
//! page; [`Layout::finish`] then writes the PDF, when the number of pages is known.

use std::sync::{Arc, LazyLock};

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Data, Document, SerializeSettings};

use super::DocumentError;

/// A4 in PostScript points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
/// 2 cm either side, the margin of an Indonesian office letter.
pub const LEFT: f32 = 56.7;
pub const RIGHT: f32 = PAGE_WIDTH - 56.7;
pub const TEXT_WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = 48.0;
/// Nothing but the footer below this line.
const BOTTOM: f32 = PAGE_HEIGHT - 62.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 34.0;

const SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
const MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");

/// One of the embedded faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
    /// For hashes, keys and the signed text, where every character must be told apart.
    Mono,
}

struct LoadedFace {
    /// For the PDF: embedded as a subset of the glyphs a document uses.
    pdf: Font,
    /// For measuring: each glyph's advance.
    metrics: ttf_parser::Face<'static>,
}

impl LoadedFace {
    fn load(bytes: &'static [u8]) -> LoadedFace {
        let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(bytes);
        LoadedFace {
            pdf: Font::new(Data::from(data), 0).expect("the bundled font is a valid TrueType font"),
            metrics: ttf_parser::Face::parse(bytes, 0)
                .expect("the bundled font is a valid TrueType font"),
        }
    }
}

/// Parsed once per process: every document after the first reuses them.
static FACES: LazyLock<[LoadedFace; 3]> = LazyLock::new(|| {
    [
        LoadedFace::load(SANS),
        LoadedFace::load(SANS_BOLD),
        LoadedFace::load(MONO),
    ]
});

fn face(face: Face) -> &'static LoadedFace {
    &FACES[face as usize]
}

/// The glyphs of `text`, one per character, each with its advance as a fraction of
/// the em: Latin text in Indonesian needs no shaping, and with none a line is exactly
/// as wide as [`width`] measured it.
fn glyphs(loaded: &LoadedFace, text: &str) -> Vec<KrillaGlyph> {
    let metrics = &loaded.metrics;
    let em = f32::from(metrics.units_per_em());
    text.char_indices()
        .map(|(at, c)| {
            let glyph = metrics.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
            let advance = f32::from(metrics.glyph_hor_advance(glyph).unwrap_or(0)) / em;
            KrillaGlyph::new(
                GlyphId::new(u32::from(glyph.0)),
                advance,
                0.0,
                0.0,
                0.0,
                at..at + c.len_utf8(),
                None,
            )
        })
        .collect()
}

/// The width of `text` set in `f` at `size` points.
pub fn width(f: Face, size: f32, text: &str) -> f32 {
    let metrics = &face(f).metrics;
    let units: u32 = text
        .chars()
        .map(|c| {
            let glyph = metrics.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
            u32::from(metrics.glyph_hor_advance(glyph).unwrap_or(0))
        })
        .sum();
    units as f32 * size / f32::from(metrics.units_per_em())
}

/// `text` broken into lines no wider than `max`: at spaces, and inside a word (a hash, a
/// long key) only when the word alone is wider than a line. Newlines are kept.
pub fn wrap(f: Face, size: f32, text: &str, max: f32) -> Vec<String> {
    let space = width(f, size, " ");
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in paragraph.split(' ') {
            let word_width = width(f, size, word);
            let joined = if line.is_empty() {
                word_width
            } else {
                line_width + space + word_width
            };
            if joined <= max {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_width = joined;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line_width = word_width;
            if word_width <= max {
                line.push_str(word);
                continue;
            }
            // A word wider than a line is cut where it must be.
            line_width = 0.0;
            for c in word.chars() {
                let c_width = width(f, size, c.encode_utf8(&mut [0; 4]));
                if line_width + c_width > max && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                line.push(c);
                line_width += c_width;
            }
        }
        lines.push(line);
    }
    lines
}

#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        baseline: f32,
        face: Face,
        size: f32,
        text: String,
    },
    /// A filled rectangle, in shades of grey (0 black, 255 white).
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        grey: u8,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
}

/// Space between a table cell's border and its text.
pub const CELL_PAD: f32 = 3.0;
/// How much smaller a table's heading is set than its rows.
pub const HEADING_SHRINK: f32 = 0.5;

/// How a table column is set.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    pub heading: &'a str,
    pub width: f32,
    /// Numbers are set flush right.
    pub right: bool,
}

/// One row of a table.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub cells: Vec<String>,
    pub bold: bool,
    /// A grey band: a group's heading, or the totals.
    pub shaded: bool,
    /// The first cell runs across the whole row (a group's heading).
    pub span: bool,
}

/// The pages of one document as they are laid out, top to bottom. `y` is where the next
/// line's top goes, in points from the top of the current page.
pub struct Layout {
    pages: Vec<Vec<Op>>,
    pub y: f32,
    footer: String,
}

impl Layout {
    /// An empty first page; `footer` is printed at the foot of every page, before the
    /// page number.
    pub fn new(footer: impl Into<String>) -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: TOP,
            footer: footer.into(),
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a layout always has a page")
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` more points fit on this one; true when it did.
    pub fn keep(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    pub fn gap(&mut self, points: f32) {
        self.y += points;
    }

    /// Text whose top is at the current line, at `x`, without moving down.
    pub fn put(&mut self, x: f32, f: Face, size: f32, text: impl Into<String>) {
        let baseline = self.y + size * 0.93;
        self.ops().push(Op::Text {
            x,
            baseline,
            face: f,
            size,
            text: text.into(),
        });
    }

    /// Wrapped text in a column from `x`, `max` wide, each line `size * 1.35` apart,
    /// moving to a new page between lines when one is full.
    pub fn paragraph(&mut self, x: f32, max: f32, f: Face, size: f32, text: &str) {
        let leading = size * 1.35;
        for line in wrap(f, size, text, max) {
            self.keep(leading);
            self.put(x, f, size, line);
            self.y += leading;
        }
    }

    /// A wrapped paragraph across the text width.
    pub fn text(&mut self, f: Face, size: f32, text: &str) {
        self.paragraph(LEFT, TEXT_WIDTH, f, size, text);
    }

    /// One line centred on the page.
    pub fn centred(&mut self, f: Face, size: f32, text: &str) {
        for line in wrap(f, size, text, TEXT_WIDTH) {
            self.keep(size * 1.35);
            let x = LEFT + (TEXT_WIDTH - width(f, size, &line)) / 2.0;
            self.put(x, f, size, line);
            self.y += size * 1.35;
        }
    }

    pub fn rule(&mut self, weight: f32) {
        let y = self.y;
        self.ops().push(Op::Line {
            from: (LEFT, y),
            to: (RIGHT, y),
            width: weight,
        });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, grey: u8) {
        self.ops().push(Op::Rect { x, y, w, h, grey });
    }

    /// The kop: the instansi's name in capitals, what the registry is, and the double
    /// rule (thick over thin) under it, as on the instansi's own letters.
    pub fn kop(&mut self, instansi: &str) {
        self.centred(Face::Bold, 15.0, &instansi.to_uppercase());
        self.centred(
            Face::Regular,
            9.5,
            "Registri Pakta Integritas Netralitas Aparatur Sipil Negara",
        );
        self.gap(3.0);
        self.rule(2.2);
        self.gap(3.0);
        self.rule(0.6);
        self.gap(16.0);
    }

    /// Label and value pairs, the value wrapped beside its label; labels of `label_width`.
    pub fn fields(&mut self, label_width: f32, size: f32, rows: &[(&str, String, Face)]) {
        self.fields_within(TEXT_WIDTH, label_width, size, rows);
    }

    /// [`Layout::fields`] in the first `total` points of the text width (the rest is
    /// left for something beside them, a QR code).
    pub fn fields_within(
        &mut self,
        total: f32,
        label_width: f32,
        size: f32,
        rows: &[(&str, String, Face)],
    ) {
        let leading = size * 1.4;
        for (label, value, f) in rows {
            // Hashes are set small enough that 64 hex digits fit on one line.
            let value_size = if *f == Face::Mono {
                size.min(8.0)
            } else {
                size
            };
            let lines = wrap(*f, value_size, value, total - label_width - 10.0);
            self.keep(leading * lines.len().min(3) as f32);
            self.put(LEFT, Face::Regular, size, *label);
            self.put(LEFT + label_width - 8.0, Face::Regular, size, ":");
            for line in lines {
                self.keep(leading);
                self.put(LEFT + label_width, *f, value_size, line);
                self.y += leading;
            }
        }
    }

    /// A table across the text width (the columns' widths should add up to it), its
    /// heading (set a little smaller, [`HEADING_SHRINK`]) repeated at the top of every
    /// page it runs onto.
    pub fn table(&mut self, columns: &[Column<'_>], rows: &[Row], size: f32) {
        let pad = CELL_PAD;
        let leading = size * 1.3;
        let heading_size = size - HEADING_SHRINK;
        let heading: Vec<Vec<String>> = columns
            .iter()
            .map(|c| wrap(Face::Bold, heading_size, c.heading, c.width - 2.0 * pad))
            .collect();
        let heading_lines = heading.iter().map(Vec::len).max().unwrap_or(1);
        let heading_height = heading_lines as f32 * leading + 2.0 * pad;
        let draw_heading = |layout: &mut Layout| {
            let top = layout.y;
            layout.rect(LEFT, top, TEXT_WIDTH, heading_height, 225);
            let mut x = LEFT;
            for (column, lines) in columns.iter().zip(&heading) {
                for (i, line) in lines.iter().enumerate() {
                    layout.y = top + pad + i as f32 * leading;
                    let at = if column.right {
                        x + column.width - pad - width(Face::Bold, heading_size, line)
                    } else {
                        x + pad
                    };
                    layout.put(at, Face::Bold, heading_size, line.clone());
                }
                x += column.width;
            }
            layout.y = top + heading_height;
            layout.line_under(0.6);
        };
        self.keep(heading_height + leading + 2.0 * pad);
        draw_heading(self);
        for row in rows {
            let f = if row.bold { Face::Bold } else { Face::Regular };
            let cells: Vec<Vec<String>> = if row.span {
                let first = row.cells.first().map_or("", String::as_str);
                vec![wrap(f, size, first, TEXT_WIDTH - 2.0 * pad)]
            } else {
                columns
                    .iter()
                    .zip(&row.cells)
                    .map(|(c, text)| wrap(f, size, text, c.width - 2.0 * pad))
                    .collect()
            };
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1);
            let height = lines as f32 * leading + 2.0 * pad;
            if self.keep(height) {
                draw_heading(self);
            }
            let top = self.y;
            if row.shaded {
                self.rect(LEFT, top, TEXT_WIDTH, height, 242);
            }
            let mut x = LEFT;
            for (column, lines) in columns.iter().zip(&cells) {
                for (i, line) in lines.iter().enumerate() {
                    self.y = top + pad + i as f32 * leading;
                    let at = if column.right {
                        x + column.width - pad - width(f, size, line)
                    } else {
                        x + pad
                    };
                    self.put(at, f, size, line.clone());
                }
                x += column.width;
            }
            self.y = top + height;
            self.line_under(0.25);
        }
    }

    fn line_under(&mut self, weight: f32) {
        let y = self.y;
        self.ops().push(Op::Line {
            from: (LEFT, y),
            to: (RIGHT, y),
            width: weight,
        });
    }

    /// `text` as a QR code (error correction M) `side` points wide with its top left
    /// corner at (`x`, `y`), each run of dark modules in a row one filled rectangle, so
    /// it prints sharp at any size. The white quiet zone around it is the caller's.
    pub fn qr(&mut self, x: f32, y: f32, side: f32, text: &str) -> Result<(), DocumentError> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| DocumentError(format!("kode QR tidak dapat dibuat: {e}")))?;
        let modules = code.width();
        let colors = code.to_colors();
        let unit = side / modules as f32;
        for (row, line) in colors.chunks(modules).enumerate() {
            let mut column = 0;
            while column < modules {
                if line[column] != qrcode::Color::Dark {
                    column += 1;
                    continue;
                }
                let start = column;
                while column < modules && line[column] == qrcode::Color::Dark {
                    column += 1;
                }
                self.rect(
                    x + start as f32 * unit,
                    y + row as f32 * unit,
                    (column - start) as f32 * unit,
                    unit,
                    0,
                );
            }
        }
        Ok(())
    }

    /// Every line of text laid out so far, one per line, in order (for tests).
    #[cfg(test)]
    pub fn laid_out_text(&self) -> String {
        let mut out = String::new();
        for op in self.pages.iter().flatten() {
            if let Op::Text { text, .. } = op {
                out.push_str(text);
                out.push('\n');
            }
        }
        out
    }

    /// Writes the PDF: every page with what was laid out on it and the footer, fonts
    /// embedded as subsets, content compressed, the title and language in the metadata.
    pub fn finish(self, title: &str) -> Result<Vec<u8>, DocumentError> {
        let settings = SerializeSettings {
            compress_content_streams: true,
            ascii_compatible: false,
            xmp_metadata: false,
            ..SerializeSettings::default()
        };
        let mut document = Document::new_with(settings);
        document.set_metadata(
            Metadata::new()
                .title(title.to_string())
                .language("id".to_string())
                .creator("Pakta".to_string()),
        );
        let total = self.pages.len();
        for (number, ops) in self.pages.into_iter().enumerate() {
            let size = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 is a valid size");
            let mut page = document.start_page_with(size);
            let mut surface = page.surface();
            let footer = format!("{} · Halaman {} dari {total}", self.footer, number + 1);
            let footer_ops = [
                Op::Line {
                    from: (LEFT, FOOTER_BASELINE - 11.0),
                    to: (RIGHT, FOOTER_BASELINE - 11.0),
                    width: 0.4,
                },
                Op::Text {
                    x: LEFT,
                    baseline: FOOTER_BASELINE,
                    face: Face::Regular,
                    size: 7.5,
                    text: footer,
                },
            ];
            for op in ops.iter().chain(&footer_ops) {
                match op {
                    Op::Text {
                        x,
                        baseline,
                        face: f,
                        size,
                        text,
                    } => {
                        surface.set_fill(Some(Fill::default()));
                        let loaded = face(*f);
                        surface.draw_glyphs(
                            Point::from_xy(*x, *baseline),
                            &glyphs(loaded, text),
                            loaded.pdf.clone(),
                            text,
                            *size,
                            false,
                        );
                    }
                    Op::Rect { x, y, w, h, grey } => {
                        let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                            continue;
                        };
                        let mut path = PathBuilder::new();
                        path.push_rect(rect);
                        if let Some(path) = path.finish() {
                            surface.set_stroke(None);
                            surface.set_fill(Some(Fill {
                                paint: luma::Color::new(*grey).into(),
                                ..Fill::default()
                            }));
                            surface.draw_path(&path);
                        }
                    }
                    Op::Line { from, to, width } => {
                        let mut path = PathBuilder::new();
                        path.move_to(from.0, from.1);
                        path.line_to(to.0, to.1);
                        if let Some(path) = path.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                width: *width,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|e| DocumentError(format!("PDF tidak dapat ditulis: {e:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces_and_long_words_are_cut() {
        let lines = wrap(Face::Regular, 10.0, "satu dua tiga empat lima enam", 60.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| width(Face::Regular, 10.0, l) <= 60.0));
        assert_eq!(lines.join(" "), "satu dua tiga empat lima enam");
        let hash = "d3cb76300d776197d1f678a3c84a87d551b0901f951acd80040f7a5f7b9dd207";
        let cut = wrap(Face::Mono, 9.0, hash, 150.0);
        assert!(cut.len() > 1);
        assert_eq!(cut.concat(), hash);
    }

    #[test]
    fn a_long_table_continues_on_new_pages() {
        let mut layout = Layout::new("uji");
        let columns = [
            Column {
                heading: "Nama",
                width: TEXT_WIDTH - 60.0,
                right: false,
            },
            Column {
                heading: "Jumlah",
                width: 60.0,
                right: true,
            },
        ];
        let rows: Vec<Row> = (0..200)
            .map(|i| Row {
                cells: vec![format!("Baris {i}"), i.to_string()],
                ..Row::default()
            })
            .collect();
        layout.table(&columns, &rows, 9.0);
        assert!(layout.page_count() > 2);
        let pdf = layout.finish("uji").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
