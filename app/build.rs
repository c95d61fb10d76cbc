//! Generates the `i18n` module from `locales/*.json` (leptos_i18n's recommended set-up in 0.6).

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR not set")?)
        .join("i18n");
    // The first locale is the default: Brazilian contact centers first.
    let config = Config::new("pt-BR")?
        .add_locale("en")?
        .parse_options(ParseOptions::default().interpolate_display(true));
    let infos = TranslationsInfos::parse(config)?;
    infos.emit_diagnostics();
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(out)?;
    Ok(())
}
