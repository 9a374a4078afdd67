//! Keys and pasted text while a prompt, chooser, question or the request editor is open.

use super::*;

/// Handles a key while a modal is open. Always takes the key.
pub fn on_modal_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(modal) = state.inspector.debug.modal.take() else {
        return Vec::new();
    };
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match modal {
        Modal::Prompt { kind, mut input } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Enter => return submit_prompt(state, kind, input.trim().to_string()),
            KeyCode::Backspace => {
                input.pop();
                state.inspector.debug.modal = Some(Modal::Prompt { kind, input });
            }
            KeyCode::Char('u') if ctrl => {
                state.inspector.debug.modal = Some(Modal::Prompt {
                    kind,
                    input: String::new(),
                });
            }
            KeyCode::Char(c) if !ctrl => {
                input.push(c);
                state.inspector.debug.modal = Some(Modal::Prompt { kind, input });
            }
            _ => state.inspector.debug.modal = Some(Modal::Prompt { kind, input }),
        },
        Modal::Choose { save } => {
            match key.code {
                KeyCode::Char(c) if !ctrl => match Part::from_key(c) {
                    Some(part) => return chosen(state, part, save),
                    None => {
                        state.note("c curl · b request body · r response · a answer · 1-9 code block · Esc");
                        state.inspector.debug.modal = Some(Modal::Choose { save });
                    }
                },
                _ => {}
            }
        }
        Modal::Overwrite {
            path,
            label,
            content,
        } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                return vec![Effect::Debug(Box::new(run::DebugEffect::Save {
                    path,
                    label,
                    content,
                    overwrite: true,
                }))];
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                state.note(format!("{} kept as it was", path.display()));
            }
            _ => {
                state.inspector.debug.modal = Some(Modal::Overwrite {
                    path,
                    label,
                    content,
                });
            }
        },
        Modal::Editor(mut ed) => {
            let send = (ctrl && key.code == KeyCode::Char('s')) || key.code == KeyCode::F(5);
            if key.code == KeyCode::Esc {
                state.note("edit discarded; nothing was sent");
            } else if send {
                let text = ed.textarea.lines().join("\n");
                match parse_body(&text) {
                    Ok(body) => return resend(state, ed.turn, body),
                    Err(e) => {
                        state.note_error(e.clone());
                        ed.error = Some(e);
                        state.inspector.debug.modal = Some(Modal::Editor(ed));
                    }
                }
            } else {
                ed.textarea.input(key);
                state.inspector.debug.modal = Some(Modal::Editor(ed));
            }
        }
    }
    Vec::new()
}

/// Pasted text goes to the open prompt or editor.
pub fn on_paste(state: &mut State, text: &str) {
    match &mut state.inspector.debug.modal {
        Some(Modal::Prompt { input, .. }) => {
            input.extend(text.chars().filter(|c| !c.is_control()));
        }
        Some(Modal::Editor(ed)) => {
            ed.textarea
                .insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
        }
        _ => {}
    }
}

fn chosen(state: &mut State, part: Part, save: bool) -> Vec<Effect> {
    let Some(t) = selected(state) else {
        return Vec::new();
    };
    let id = t.id.0;
    match content::content(t, part) {
        Err(e) => {
            state.note_error(format!(
                "cannot {} {}: {e}",
                if save { "save" } else { "copy" },
                part.label()
            ));
            Vec::new()
        }
        Ok(content) if !save => vec![Effect::Debug(Box::new(run::DebugEffect::Copy {
            label: part.label(),
            content,
        }))],
        Ok(_) => {
            state.inspector.debug.modal = Some(Modal::Prompt {
                kind: PromptKind::Save(part),
                input: part.default_path(id).display().to_string(),
            });
            Vec::new()
        }
    }
}

fn submit_prompt(state: &mut State, kind: PromptKind, input: String) -> Vec<Effect> {
    match kind {
        PromptKind::Search => {
            let d = &mut state.inspector.debug;
            d.search = Search {
                query: input,
                jump: true,
                ..Search::default()
            };
            d.built = None;
        }
        PromptKind::JsonPath => search::run_query(state, &input),
        PromptKind::Save(part) => {
            if input.is_empty() {
                state.note("no path given; nothing saved");
                return Vec::new();
            }
            let Some(t) = selected(state) else {
                return Vec::new();
            };
            match content::content(t, part) {
                Ok(content) => {
                    return vec![Effect::Debug(Box::new(run::DebugEffect::Save {
                        path: PathBuf::from(input),
                        label: part.label(),
                        content,
                        overwrite: false,
                    }))];
                }
                Err(e) => state.note_error(format!("cannot save {}: {e}", part.label())),
            }
        }
        PromptKind::OpenTrace => {
            let (path, speed) = split_speed(&input);
            if path.is_empty() {
                state.note("no path given");
                return Vec::new();
            }
            return vec![Effect::Debug(Box::new(run::DebugEffect::OpenTrace {
                path: PathBuf::from(path),
                speed,
            }))];
        }
        PromptKind::Export { all } => {
            if input.is_empty() {
                state.note("no path given; nothing exported");
                return Vec::new();
            }
            let turns: Vec<&Turn> = if all {
                match &state.compare.active {
                    // A comparison on screen: every lane's every round.
                    Some(c) if c.hidden() => {
                        state.note("a blind comparison is exported after its verdict");
                        return Vec::new();
                    }
                    Some(c) => c.lanes.iter().flat_map(|l| l.turns.iter()).collect(),
                    None => state.chat.turns.iter().collect(),
                }
            } else {
                selected(state).into_iter().collect()
            };
            let traced: Vec<TracedExchange> =
                turns.into_iter().filter_map(export::traced).collect();
            if traced.is_empty() {
                state.note("no finished exchange to export yet");
                return Vec::new();
            }
            let label = format!("{} exchange(s) as JSONL", traced.len());
            return vec![Effect::Debug(Box::new(run::DebugEffect::Save {
                path: PathBuf::from(input),
                label,
                content: Content::Trace(traced),
                overwrite: false,
            }))];
        }
    }
    Vec::new()
}

/// `trace.jsonl 4` is the file at 4x; `trace.jsonl 0` all at once; a path alone plays
/// with the recorded timing.
pub fn split_speed(input: &str) -> (&str, Option<f64>) {
    if let Some((path, last)) = input.rsplit_once(' ')
        && let Ok(speed) = last.trim_end_matches('x').parse::<f64>()
        && speed.is_finite()
        && speed >= 0.0
    {
        let speed = (speed > 0.0).then_some(speed);
        return (path.trim(), speed);
    }
    (input, Some(1.0))
}

/// The line shown for an open prompt or chooser, if any.
pub fn modal_line(d: &DebugState) -> Option<(String, String)> {
    match d.modal.as_ref()? {
        Modal::Prompt { kind, input } => Some((format!("{}: ", kind.label()), input.clone())),
        Modal::Choose { save } => Some((
            format!("{}: ", if *save { "save" } else { "copy" }),
            "c curl · b request body · r response · a answer · 1-9 code block · Esc".into(),
        )),
        Modal::Overwrite { path, .. } => Some((
            "overwrite? ".into(),
            format!("{} exists · y overwrites · n keeps it", path.display()),
        )),
        Modal::Editor(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_number_is_the_speed() {
        assert_eq!(split_speed("t.jsonl"), ("t.jsonl", Some(1.0)));
        assert_eq!(split_speed("t.jsonl 4"), ("t.jsonl", Some(4.0)));
        assert_eq!(split_speed("t.jsonl 4x"), ("t.jsonl", Some(4.0)));
        assert_eq!(split_speed("t.jsonl 0"), ("t.jsonl", None));
        assert_eq!(split_speed("my trace.jsonl"), ("my trace.jsonl", Some(1.0)));
    }
}
