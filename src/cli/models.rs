//! `switchboard models`: the catalog of the configured providers (or of every provider the
//! bundled catalog knows, with `--all`), sorted and filtered, as a table, JSON or CSV.
//!
//! Where the figures come from: the bundled catalog, with each provider's live model list
//! laid over it. Live lists are cached on disk (`catalog.json` in the platform cache dir) and
//! the network is asked only when
//! * `--refresh` is given (a failed refresh keeps the cached list and says why), or
//! * a provider has no cached list yet and its key is set (or it needs none), or
//! * the provider is the built-in demo, whose list is local and cheap (never cached).
//!
//! A cached list older than a day is marked stale in the SOURCE column.

mod view;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{CliError, load_config};
use crate::llm::catalog::cache::now_unix;
use crate::llm::catalog::{
    CatalogCache, Filter, ModelInfo, SortKey, bundled, fetch_live, filter_models, merge_provider,
    sort_models,
};
use crate::llm::provider::{DEMO, ProviderConfig};
use crate::workbench::Workbench;

pub use view::{csv, table};

#[derive(Args, Debug)]
#[command(after_help = "\
Figures come from the bundled catalog (built from the providers' price pages, every price \
with its source) with each provider's live model list laid over it. Live lists are cached \
in catalog.json in the cache dir and marked stale after a day; without --refresh the \
network is asked only for a provider that has no cached list and whose key is set, and for \
the local demo provider. Unknown prices show as ?, never 0; prices in different currencies \
are never compared: price sorts group them by currency.")]
pub struct ModelsArgs {
    /// Only this provider (repeat for several).
    #[arg(long, value_name = "NAME")]
    pub provider: Vec<String>,
    /// Also list the bundled catalogs of providers that are not configured.
    #[arg(long)]
    pub all: bool,
    /// Fetch every configured provider's live model list now (a failure keeps the cache).
    #[arg(long)]
    pub refresh: bool,
    /// Sort by: input, output, blended (3:1 input:output), context, name, provider.
    #[arg(long, value_name = "KEY", value_parser = parse_sort)]
    pub sort: Option<SortKey>,
    /// Reverse the sort.
    #[arg(long)]
    pub reverse: bool,
    /// Only models with this capability (repeat for several): reasoning, tools, vision,
    /// audio_input, video_input, image_output, audio_output, structured_output, coding.
    #[arg(long = "cap", value_name = "CAPABILITY")]
    pub caps: Vec<String>,
    /// Only models whose provider, id or name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Print JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV.
    #[arg(long)]
    pub csv: bool,
    /// The catalog cache file [default: catalog.json in the platform cache dir].
    #[arg(long, value_name = "FILE", env = "SWITCHBOARD_CATALOG_CACHE")]
    pub cache: Option<PathBuf>,
}

fn parse_sort(s: &str) -> Result<SortKey, String> {
    SortKey::parse(s).ok_or_else(|| {
        let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.name()).collect();
        format!("unknown sort `{s}`: one of {}", names.join(", "))
    })
}

/// Something worth telling beside the list: a failed refresh, a missing cache.
struct Note {
    provider: String,
    message: String,
    /// The provider has nothing to show but the bundled catalog (or nothing at all).
    failed: bool,
}

pub async fn run(config_path: Option<&Path>, args: ModelsArgs) -> Result<ExitCode, CliError> {
    let config = load_config(config_path)?;
    let bench = Workbench::new(config).map_err(|e| e.to_string())?;
    let configured: Vec<ProviderConfig> = bench
        .config
        .providers()
        .into_iter()
        .filter(|p| args.provider.is_empty() || args.provider.contains(&p.name))
        .collect();
    for name in &args.provider {
        let known = configured.iter().any(|p| &p.name == name)
            || (args.all && bundled().iter().any(|m| &m.provider == name));
        if !known {
            bench.provider(name).map_err(|e| e.to_string())?;
        }
    }
    let cache_path = args.cache.clone().or_else(CatalogCache::default_path);
    let mut notes = Vec::new();
    let mut cache = match cache_path.as_deref().map(CatalogCache::load) {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            notes.push(Note {
                provider: "cache".into(),
                message: format!("{e}; starting a new one"),
                failed: false,
            });
            CatalogCache::default()
        }
        None => CatalogCache::default(),
    };
    let mut dirty = false;
    let cancel = CancellationToken::new();
    let now = now_unix();
    let mut models: Vec<ModelInfo> = Vec::new();
    for p in &configured {
        let cached = cache.get(&p.name).cloned();
        let fetch =
            p.name == DEMO || args.refresh || (cached.is_none() && p.resolve_key().await.is_ok());
        let live = if fetch {
            let result = match bench.base_url(p).await {
                Ok(base) => fetch_live(&bench.client, &bench.timeouts, p, &base, &cancel).await,
                Err(e) => Err(e),
            };
            match result {
                Ok((list, url)) => {
                    if p.name != DEMO {
                        cache.put(&p.name, &url, list.clone(), now);
                        dirty = true;
                    }
                    list
                }
                Err(e) => {
                    let why = e.to_string();
                    let kept = match &cached {
                        Some(c) => format!(
                            "showing the cached list from {} ago",
                            crate::llm::catalog::cache::age_text(c.age_secs(now))
                        ),
                        None => "showing the bundled catalog only".to_string(),
                    };
                    if cached.is_some() {
                        cache.record_failure(&p.name, &why, now);
                        dirty = true;
                    }
                    notes.push(Note {
                        provider: p.name.clone(),
                        message: format!("could not fetch the model list: {why}; {kept}"),
                        failed: cached.is_none(),
                    });
                    cached.map(|c| c.models).unwrap_or_default()
                }
            }
        } else {
            cached.map(|c| c.models).unwrap_or_default()
        };
        models.extend(merge_provider(&p.name, &live));
    }
    if args.all {
        let mut others: Vec<&str> = bundled()
            .iter()
            .map(|m| m.provider.as_str())
            .filter(|name| !configured.iter().any(|p| p.name == *name))
            .filter(|name| args.provider.is_empty() || args.provider.iter().any(|p| p == name))
            .collect();
        others.dedup();
        for name in others {
            models.extend(merge_provider(name, &[]));
        }
    }
    if dirty
        && let Some(path) = &cache_path
        && let Err(e) = cache.save(path)
    {
        notes.push(Note {
            provider: "cache".into(),
            message: e,
            failed: false,
        });
    }
    let filter = Filter {
        capabilities: args.caps.clone(),
        providers: Vec::new(),
        text: args.search.clone(),
    };
    let mut models = filter_models(models, &filter);
    if let Some(key) = args.sort {
        sort_models(&mut models, key, args.reverse);
    } else if args.reverse {
        models.reverse();
    }
    print_all(&args, &models, &notes, now);
    if !args.json
        && !args.csv
        && let Some(line) = super::config_check::by_key_line(&bench.config)
    {
        // Built-in providers switched on by their key variable, on stderr.
        super::print_err(&line);
    }
    let all_failed = !notes.is_empty() && notes.iter().any(|n| n.failed);
    Ok(if models.is_empty() && all_failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_all(args: &ModelsArgs, models: &[ModelInfo], notes: &[Note], now: u64) {
    if args.json {
        let errs: Vec<_> = notes
            .iter()
            .map(|n| json!({"provider": n.provider, "error": n.message}))
            .collect();
        println!("{}", json!({"models": models, "errors": errs}));
        return;
    }
    if args.csv {
        print!("{}", csv(models));
    } else {
        print!("{}", table(models, now));
    }
    for n in notes {
        eprintln!("{}: {}", n.provider, n.message);
    }
}
