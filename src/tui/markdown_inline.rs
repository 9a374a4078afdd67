//! The inline half of the builder: text, emphasis, code spans, links, table cells, and
//! the styles they are drawn in.

use pulldown_cmark::{Event, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;

use super::Builder;

impl Builder<'_> {
    /// The style of plain text here: the text style, within a quote the quote style over
    /// it, in a heading the heading style, in a table header the strong style.
    pub(super) fn base(&self) -> Style {
        let s = self.styles;
        let mut style = s.text;
        if self.containers.iter().any(|c| c.quote) {
            style = style.patch(s.quote);
        }
        if self.heading.is_some() {
            style = style.patch(s.heading);
        }
        if self.table.as_ref().is_some_and(|t| t.2) {
            style = style.patch(s.strong);
        }
        style
    }

    /// The base style with the open inline marks (emphasis, link, ...) laid over it.
    pub(super) fn style(&self) -> Style {
        self.marks.iter().fold(self.base(), |acc, m| acc.patch(*m))
    }

    pub(super) fn push(&mut self, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        if let Some((_, link_text)) = self.links.last_mut() {
            link_text.push_str(text);
        }
        match self.inline.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push_str(text),
            _ => self.inline.push(Span::styled(text.to_string(), style)),
        }
    }

    /// Events that carry text. Line ends inside inline text become spaces: rows are
    /// broken by layout, or by hard breaks.
    pub(super) fn inline_event(&mut self, event: Event<'_>) {
        let style = self.style();
        match event {
            Event::Text(text) => {
                if let Some(code) = &mut self.code {
                    code.text.push_str(&text);
                } else if let Some(html) = &mut self.html {
                    html.push_str(&text);
                } else {
                    self.push(&text.replace('\n', " "), style);
                }
            }
            Event::Code(text) => self.push(
                &text.replace('\n', " "),
                style.patch(self.styles.code_inline),
            ),
            Event::Html(text) if self.html.is_some() => {
                self.html.get_or_insert_default().push_str(&text)
            }
            Event::Html(text) | Event::InlineHtml(text) => {
                self.push(&text.replace('\n', " "), style)
            }
            Event::InlineMath(text) => self.push(&format!("${text}$"), style),
            Event::DisplayMath(text) => self.push(&format!("$${text}$$"), style),
            Event::FootnoteReference(label) => self.push(&format!("[^{label}]"), style),
            Event::SoftBreak => self.push(" ", style),
            Event::TaskListMarker(done) => {
                self.push(if done { "[x] " } else { "[ ] " }, self.styles.list_marker)
            }
            // Block events are the builder's; nothing else is left.
            Event::Start(_) | Event::End(_) | Event::HardBreak | Event::Rule => {}
        }
    }

    pub(super) fn start_inline(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Emphasis => self.marks.push(self.styles.emphasis),
            Tag::Strong => self.marks.push(self.styles.strong),
            Tag::Strikethrough => self
                .marks
                .push(Style::new().add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.links.push((dest_url.to_string(), String::new()));
                self.marks.push(self.styles.link);
            }
            Tag::Image { dest_url, .. } => {
                self.marks.push(self.styles.link);
                self.push("[image: ", self.style());
                self.links.push((dest_url.to_string(), String::new()));
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.2 = true;
                }
            }
            Tag::TableRow | Tag::TableCell => self.inline.clear(),
            // Not enabled; if they ever come, their content flows as text.
            _ => self.marks.push(Style::new()),
        }
    }

    pub(super) fn end_inline(&mut self, tag: TagEnd) {
        match (tag, &mut self.table) {
            (TagEnd::TableCell, Some((_, cells, _))) => {
                cells.push(std::mem::take(&mut self.inline))
            }
            (TagEnd::TableHead, Some((table, cells, head))) => {
                table.head = std::mem::take(cells);
                *head = false;
            }
            (TagEnd::TableRow, Some((table, cells, _))) => table.rows.push(std::mem::take(cells)),
            (TagEnd::TableCell | TagEnd::TableHead | TagEnd::TableRow, None) => {}
            (TagEnd::Link | TagEnd::Image, _) => {
                self.marks.pop();
                self.close_link(tag == TagEnd::Image);
            }
            _ => {
                self.marks.pop();
            }
        }
    }

    /// After a link's text: its target, dimmed, unless the text already says it.
    fn close_link(&mut self, image: bool) {
        let Some((url, text)) = self.links.pop() else {
            return;
        };
        let style = self.style();
        if image {
            self.push("]", style.patch(self.styles.link));
        }
        if text.is_empty() && !image {
            self.push(&url, style.patch(self.styles.link));
        } else if !url.is_empty()
            && url != text
            && url.strip_prefix("mailto:") != Some(text.as_str())
        {
            self.push(&format!(" ({url})"), style.add_modifier(Modifier::DIM));
        }
    }
}
