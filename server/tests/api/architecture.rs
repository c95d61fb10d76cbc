//! Guards of the server's shape, read from its source: dependencies point down the layers
//! (adapters → conversation core → store → domain), the top-level modules form no cycle, and
//! the two migration folders say the same thing in two dialects.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The server's top-level modules, lowest layer first. A module may use modules of its own
/// layer and of the layers below it, never one above.
const LAYERS: &[(&str, &[&str])] = &[
    ("domain", &["domain"]),
    ("store", &["store"]),
    (
        "infrastructure",
        &[
            "config",
            "error",
            "http",
            "lifecycle",
            "live_settings",
            "secret_box",
            "telemetry",
            "worker",
        ],
    ),
    ("core", &["auth", "conversation"]),
    (
        "adapters",
        &[
            "admin",
            "channels",
            "console",
            "media",
            "retention",
            "sandbox",
        ],
    ),
    (
        "composition",
        &[
            "bootstrap",
            "cli",
            "provision",
            "routes",
            "startup",
            "state",
        ],
    ),
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).expect("the source folder reads");
    for entry in entries {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`conversation/routing.rs` → `conversation`).
fn module_of(path: &Path) -> Option<String> {
    let relative = path.strip_prefix(src_dir()).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// The top-level modules a file names through `crate::`, comments left out.
fn crate_uses(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut used = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::x, b}`: the first name of each item at the group's own depth.
            let mut depth = 0;
            let mut item_start = true;
            for (index, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && depth == 0 && (c.is_alphanumeric() || c == '_') => {
                        used.insert(identifier(&group[index..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            used.insert(identifier(rest));
        }
    }
    used
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Module → the other top-level modules it uses, and where.
fn module_graph() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&file) else {
            continue;
        };
        let source = fs::read_to_string(&file).expect("a source file reads");
        let shown = file
            .strip_prefix(src_dir())
            .expect("under src")
            .display()
            .to_string();
        let edges = graph.entry(module.clone()).or_default();
        for used in crate_uses(&source) {
            if used != module {
                edges.entry(used).or_default().insert(shown.clone());
            }
        }
    }
    graph
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

#[test]
fn every_top_level_module_has_a_layer() {
    let unplaced: Vec<String> = module_graph()
        .into_keys()
        .filter(|module| layer_of(module).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "place these modules in a layer of tests/api/architecture.rs: {unplaced:?}"
    );
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut upward = Vec::new();
    for (module, edges) in module_graph() {
        let Some(own) = layer_of(&module) else {
            continue;
        };
        for (used, files) in edges {
            if layer_of(&used).is_some_and(|layer| layer > own) {
                upward.push(format!(
                    "{module} ({}) uses {used} ({}) in {files:?}",
                    LAYERS[own].0,
                    LAYERS[layer_of(&used).unwrap_or_default()].0
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "upward dependencies:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let graph = module_graph();
    // Depth-first search, keeping the path so a cycle can be shown.
    fn visit<'a>(
        module: &'a str,
        graph: &'a BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| *m == module) {
            let mut cycle: Vec<String> = path[start..].iter().map(|m| m.to_string()).collect();
            cycle.push(module.to_owned());
            return Some(cycle);
        }
        if !done.insert(module) {
            return None;
        }
        path.push(module);
        for used in graph.get(module).into_iter().flat_map(BTreeMap::keys) {
            if let Some(cycle) = visit(used, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        let cycle = visit(module, &graph, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "module cycle: {}",
            cycle.unwrap_or_default().join(" → ")
        );
    }
}

#[test]
fn the_guard_reads_grouped_and_commented_uses() {
    let source = "use crate::store::Store;\n// crate::admin is only named here\n\
                  use crate::{domain::x, worker::{a, b}};\nlet n = crate::config::X;";
    let used: Vec<String> = crate_uses(source).into_iter().collect();
    assert_eq!(used, ["config", "domain", "store", "worker"]);
}

/// The dialect tokens that may differ between `migrations/sqlite` and `migrations/postgres`.
const DIALECT: &[(&str, &str)] = &[
    (
        "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "INTEGER PRIMARY KEY AUTOINCREMENT",
    ),
    ("BYTEA", "BLOB"),
];

fn migrations(dialect: &str) -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(dialect);
    fs::read_dir(&dir)
        .expect("the migrations folder reads")
        .map(|entry| {
            let path = entry.expect("a folder entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            (name, fs::read_to_string(&path).expect("a migration reads"))
        })
        .collect()
}

/// Whitespace runs as one space, so aligning columns differently is no difference.
fn normalised(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_two_migration_folders_differ_only_in_dialect_tokens() {
    let sqlite = migrations("sqlite");
    let postgres = migrations("postgres");
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "both folders hold the same migrations"
    );
    for (name, postgres_sql) in &postgres {
        let mut translated = normalised(postgres_sql);
        for (postgres_token, sqlite_token) in DIALECT {
            translated = translated.replace(postgres_token, sqlite_token);
        }
        assert_eq!(
            translated,
            normalised(&sqlite[name]),
            "{name}: the migrations differ in more than {DIALECT:?}"
        );
    }
}

/// The one file outside `store/` with SQL of its own: the sandbox's tables stay the sandbox's,
/// since it stands in for Meta, not for Atende.
const SQL_OUTSIDE_STORE: &[&str] = &["sandbox/store.rs"];

/// The source files (paths under `src/`, sorted) whose text passes `test`.
fn files_where(test: impl Fn(&Path, &str) -> bool) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let mut found: Vec<String> = files
        .iter()
        .filter(|file| {
            test(
                file,
                &fs::read_to_string(file).expect("a source file reads"),
            )
        })
        .map(|file| {
            file.strip_prefix(src_dir())
                .expect("under src")
                .display()
                .to_string()
        })
        .collect();
    found.sort();
    found
}

#[test]
fn sql_lives_in_the_store() {
    let with_sql = files_where(|file, source| {
        !file.starts_with(src_dir().join("store")) && source.contains("sqlx::query")
    });
    assert_eq!(
        with_sql, SQL_OUTSIDE_STORE,
        "SQL outside store/ (move it into the store; shrink the list when a file is clean)"
    );
}

/// Every change of a conversation's status is written in `store/conversation_status.rs`, the
/// one place that shows the conversation's life; nothing else writes the column.
#[test]
fn conversation_status_changes_are_written_in_one_place() {
    let home = src_dir().join("store/conversation_status.rs");
    let writes_status = |source: &str| {
        let source = normalised(source);
        [
            "UPDATE conversations SET status",
            "INSERT INTO conversations",
        ]
        .iter()
        .any(|statement| source.contains(statement))
    };
    let writers = files_where(|file, source| file != home && writes_status(source));
    assert!(
        writers.is_empty(),
        "these files change a conversation's status outside store/conversation_status.rs: {writers:?}"
    );
    let home_source = fs::read_to_string(&home).expect("the home reads");
    assert!(writes_status(&home_source), "the home writes the status");
}

/// The domain is the server's own: it never uses the browser's wire types (`app::model`), so a
/// change to a form cannot change a rule or a stored document.
#[test]
fn the_domain_does_not_use_the_browsers_types() {
    let uses_wire = files_where(|file, source| {
        let code: String = source
            .lines()
            .map(|line| line.split("//").next().unwrap_or(""))
            .collect();
        file.starts_with(src_dir().join("domain")) && code.contains("app::model")
    });
    assert!(
        uses_wire.is_empty(),
        "domain files using app::model: {uses_wire:?}"
    );
}

/// Every public store function opens a tracing span (at debug level, so it costs next to
/// nothing unless asked for), so a slow query can be traced to its caller.
#[test]
fn every_public_store_function_is_instrumented() {
    let mut files = Vec::new();
    rust_files(&src_dir().join("store"), &mut files);
    let mut bare = Vec::new();
    for file in files {
        let source = fs::read_to_string(&file).expect("a store file reads");
        let lines: Vec<&str> = source
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .collect();
        for (at, line) in lines.iter().enumerate() {
            if !line.starts_with("pub async fn ") {
                continue;
            }
            let attributes = lines[..at]
                .iter()
                .rev()
                .take_while(|above| above.starts_with("#[") || above.starts_with("///"));
            if !attributes
                .clone()
                .any(|a| a.contains("tracing::instrument"))
            {
                bare.push(format!("{}: {line}", file.display()));
            }
        }
    }
    assert!(
        bare.is_empty(),
        "store functions without a span:\n{}",
        bare.join("\n")
    );
}
