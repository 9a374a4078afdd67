//! `switchboard models`: every model of every configured provider, from its live list.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{CliError, load_config};
use crate::llm::catalog::ModelInfo;
use crate::llm::money::Price;
use crate::workbench::Workbench;

#[derive(Args, Debug)]
pub struct ModelsArgs {
    /// Only this provider.
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(config_path: Option<&Path>, args: ModelsArgs) -> Result<ExitCode, CliError> {
    let config = load_config(config_path)?;
    let bench = Workbench::new(config).map_err(|e| e.to_string())?;
    let providers = match &args.provider {
        Some(name) => vec![bench.provider(name).map_err(|e| e.to_string())?],
        None => bench.config.providers(),
    };
    let cancel = CancellationToken::new();
    let mut models: Vec<ModelInfo> = Vec::new();
    let mut errors = Vec::new();
    for p in &providers {
        match bench.list_models(p, &cancel).await {
            Ok(list) => models.extend(list),
            Err(e) => errors.push((p.name.clone(), e.to_string())),
        }
    }
    if args.json {
        let errs: Vec<_> = errors
            .iter()
            .map(|(p, e)| json!({"provider": p, "error": e}))
            .collect();
        println!("{}", json!({"models": models, "errors": errs}));
    } else {
        print!("{}", table(&models));
        for (p, e) in &errors {
            eprintln!("{p}: {e}");
        }
    }
    Ok(if models.is_empty() && !errors.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn price_text(p: Option<&Price>) -> (String, String) {
    let Some(p) = p else {
        return ("?".into(), "?".into());
    };
    let cur = p
        .currency
        .as_ref()
        .map_or("?".to_string(), |c| c.to_string());
    let f = |d: Option<rust_decimal::Decimal>| {
        d.map_or("?".to_string(), |d| format!("{} {cur}", d.normalize()))
    };
    (f(p.input_per_mtok), f(p.output_per_mtok))
}

/// A plain text table: model, context, input and output price per 1M tokens, capabilities.
pub fn table(models: &[ModelInfo]) -> String {
    let mut rows = vec![[
        "MODEL".to_string(),
        "CONTEXT".into(),
        "IN /1M".into(),
        "OUT /1M".into(),
        "CAPS".into(),
    ]];
    for m in models {
        let (i, o) = price_text(m.price.as_ref());
        let c = &m.capabilities;
        let caps: Vec<&str> = [
            (c.reasoning, "reasoning"),
            (c.tools, "tools"),
            (c.vision, "vision"),
        ]
        .into_iter()
        .filter_map(|(has, name)| (has == Some(true)).then_some(name))
        .collect();
        rows.push([
            format!("{}/{}", m.provider, m.id),
            m.context_window.map_or("?".into(), |c| c.to_string()),
            i,
            o,
            caps.join(","),
        ]);
    }
    let mut widths = [0usize; 5];
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
