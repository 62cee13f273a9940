//! A check that no two modules of `src/` import each other, and that the top-level
//! modules form layers (no cycle among `src/<x>`), so an arrow in ARCHITECTURE.md only
//! ever points down. It reads the sources as text, as a reviewer would: every
//! `use crate::…`/`use super::…` (groups expanded), every inline `crate::a::b` or
//! `super::a` path, and every `mod child;` (a parent depends on its children, so a child
//! that takes its parent's items back closes a circle). A path names the module of the
//! longest prefix that is a file; an item re-exported through a parent counts as the
//! parent's, so a child names the item where it lives.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path inside the crate: `["analyze", "stats"]`; the crate root is empty.
type Module = Vec<String>;

/// One dependency: from a module to another, with where it was seen.
#[derive(Debug, Clone)]
struct Use {
    to: Module,
    at: String,
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            // `src/bin/` holds separate crates.
            if path.file_name().is_some_and(|n| n != "bin") {
                rs_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/analyze/stats.rs` is `analyze::stats`; `src/analyze/mod.rs` is `analyze`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|l| l == "mod") || parts == ["lib"] || parts == ["main"] {
        parts.pop();
    }
    parts
}

/// The source with comments, strings and character literals blanked out (lines kept).
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_char(b.get(i.wrapping_sub(1))) {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.extend(b[i..j.min(b.len())].iter().map(|&c| blank(c)));
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && (b.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal ('a', '\n', '\u{1F600}'); a lifetime has no closing quote.
            let mut j = i + 1;
            if b.get(j) == Some(&'\\') {
                j += 2;
            } else {
                j += 1;
            }
            while j < b.len() && b[j] != '\'' {
                j += 1;
            }
            out.extend(b[i..=j.min(b.len() - 1)].iter().map(|&c| blank(c)));
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// Tokens: identifiers, `::`, and single punctuation characters, each with its line.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((chars[start..i].iter().collect(), line));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push(("::".into(), line));
            i += 2;
        } else {
            out.push((c.to_string(), line));
            i += 1;
        }
    }
    out
}

/// Expand a `use` tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(toks: &[String]) -> Vec<Vec<String>> {
    fn tree(toks: &[String], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
        let mut path = prefix.to_vec();
        while *i < toks.len() {
            match toks[*i].as_str() {
                "::" => *i += 1,
                "{" => {
                    *i += 1;
                    loop {
                        tree(toks, i, &path, out);
                        match toks.get(*i).map(String::as_str) {
                            Some(",") => *i += 1,
                            Some("}") => {
                                *i += 1;
                                return;
                            }
                            _ => return,
                        }
                        if toks.get(*i).map(String::as_str) == Some("}") {
                            *i += 1;
                            return;
                        }
                    }
                }
                "," | "}" => break,
                "as" => *i += 2,
                "*" | "self" => *i += 1,
                seg => {
                    path.push(seg.to_string());
                    *i += 1;
                }
            }
        }
        out.push(path);
    }
    let mut out = Vec::new();
    let mut i = 0;
    tree(toks, &mut i, &[], &mut out);
    out
}

/// The module a path names: `crate::`, `super::` and `self::` made absolute from `here`
/// (the module, inline modules included), then the longest prefix that is a file.
/// `inline` is how many of `here`'s last segments are inline modules of the file.
fn resolve(path: &[String], here: &Module, files: &BTreeSet<Module>) -> Option<Module> {
    let mut abs: Module = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") | Some("self") => here.clone(),
        _ => return None,
    };
    let mut rest = &path[usize::from(path[0] == "crate")..];
    while let Some(seg) = rest.first() {
        match seg.as_str() {
            "super" => {
                abs.pop()?;
            }
            "self" => {}
            _ => break,
        }
        rest = &rest[1..];
    }
    abs.extend(rest.iter().cloned());
    (0..=abs.len())
        .rev()
        .map(|n| abs[..n].to_vec())
        .find(|m| files.contains(m))
}

/// Every module's dependencies, read from the files under `src`.
fn dependencies(src: &Path) -> BTreeMap<Module, Vec<Use>> {
    let mut paths = Vec::new();
    rs_files(src, &mut paths);
    paths.sort();
    let files: BTreeSet<Module> = paths.iter().map(|p| module_of(src, p)).collect();
    // A `#[cfg(test)] mod tests;` file is its parent's tests: part of the parent.
    let mut tests_of: BTreeMap<Module, Module> = BTreeMap::new();
    for path in &paths {
        let module = module_of(src, path);
        let toks = tokens(&code_only(&std::fs::read_to_string(path).unwrap()));
        let text: Vec<&str> = toks.iter().map(|t| t.0.as_str()).collect();
        for w in text.windows(9) {
            if w[..7] == ["#", "[", "cfg", "(", "test", ")", "]"] && w[7] == "mod" {
                let mut child = module.clone();
                child.push(w[8].to_string());
                tests_of.insert(child, module.clone());
            }
        }
    }
    let mut deps: BTreeMap<Module, Vec<Use>> = BTreeMap::new();
    for path in &paths {
        let module = module_of(src, path);
        if tests_of.contains_key(&module) {
            continue;
        }
        let name = path.strip_prefix(src).unwrap().display().to_string();
        let code = code_only(&std::fs::read_to_string(path).unwrap());
        let toks = tokens(&code);
        let mut uses = Vec::new();
        let mut add = |to: Option<Module>, line: usize, what: &str| {
            if let Some(to) = to {
                if to != module && !to.is_empty() && !tests_of.contains_key(&to) {
                    uses.push(Use {
                        to,
                        at: format!("src/{name}:{line} ({what})"),
                    });
                }
            }
        };
        // Inline modules open at a brace depth: (name, depth).
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < toks.len() {
            let (tok, line) = (&toks[i].0, toks[i].1);
            let here: Module = module
                .iter()
                .cloned()
                .chain(inline.iter().map(|(n, _)| n.clone()))
                .collect();
            let after_path_sep = i > 0 && toks[i - 1].0 == "::";
            match tok.as_str() {
                // Tests (`#[cfg(test)] mod tests { … }`) are no layer: skip them.
                "#" if toks[i..].iter().take(9).map(|t| t.0.as_str()).eq([
                    "#", "[", "cfg", "(", "test", ")", "]", "mod",
                ]
                .into_iter()
                .chain(toks.get(i + 8).map(|t| t.0.as_str())))
                    && toks.get(i + 9).is_some_and(|t| t.0 == "{") =>
                {
                    let mut open = 0;
                    let mut j = i + 9;
                    while j < toks.len() {
                        match toks[j].0.as_str() {
                            "{" => open += 1,
                            "}" => {
                                open -= 1;
                                if open == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    i = j;
                }
                "{" => depth += 1,
                "}" => {
                    depth = depth.saturating_sub(1);
                    if inline.last().is_some_and(|(_, d)| *d == depth) {
                        inline.pop();
                    }
                }
                "mod" if toks.get(i + 1).is_some() => {
                    let child = toks[i + 1].0.clone();
                    match toks.get(i + 2).map(|t| t.0.as_str()) {
                        Some(";") => {
                            let mut to = here.clone();
                            to.push(child.clone());
                            let what = format!("mod {child};");
                            add(files.contains(&to).then_some(to), line, &what);
                        }
                        Some("{") => {
                            inline.push((child, depth));
                            depth += 1;
                            i += 2;
                        }
                        _ => {}
                    }
                }
                "use" => {
                    let end = (i..toks.len()).find(|&j| toks[j].0 == ";").unwrap_or(toks.len());
                    let tree: Vec<String> = toks[i + 1..end].iter().map(|t| t.0.clone()).collect();
                    let tree = match tree.first().map(String::as_str) {
                        Some("::") => tree[1..].to_vec(),
                        _ => tree,
                    };
                    for p in expand(&tree) {
                        let what = format!("use {}", p.join("::"));
                        add(resolve(&p, &here, &files), line, &what);
                    }
                    i = end;
                }
                "crate" | "super" if !after_path_sep => {
                    let mut p = vec![tok.clone()];
                    let mut j = i + 1;
                    while toks.get(j).is_some_and(|t| t.0 == "::")
                        && toks.get(j + 1).is_some_and(|t| ident_char(t.0.chars().next().as_ref()))
                    {
                        p.push(toks[j + 1].0.clone());
                        j += 2;
                    }
                    if p.len() > 1 {
                        let what = p.join("::");
                        add(resolve(&p, &here, &files), line, &what);
                    }
                    i = j - 1;
                }
                _ => {}
            }
            i += 1;
        }
        deps.entry(module).or_default().extend(uses);
    }
    deps
}

/// Every pair of modules that import each other, and every cycle among the top-level
/// modules, each named with where the imports are.
fn circles(deps: &BTreeMap<Module, Vec<Use>>) -> Vec<String> {
    let mut found = Vec::new();
    let name = |m: &Module| m.join("::");
    for (a, uses) in deps {
        let targets: BTreeSet<&Module> = uses.iter().map(|u| &u.to).collect();
        for b in targets {
            if a >= b {
                continue;
            }
            let Some(back) = deps.get(b) else { continue };
            if let Some(ba) = back.iter().find(|u| &u.to == a) {
                let ab = uses.iter().find(|u| &u.to == b).unwrap();
                found.push(format!("{} <-> {}: {} and {}", name(a), name(b), ab.at, ba.at));
            }
        }
    }
    // The top-level graph: `src/<x>` → `src/<y>` when any module of x uses one of y.
    let mut top: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for (a, uses) in deps {
        let Some(x) = a.first() else { continue };
        for u in uses {
            if u.to[0] != *x {
                top.entry(x)
                    .or_default()
                    .entry(u.to[0].as_str())
                    .or_insert(u.at.as_str());
            }
        }
    }
    for &start in top.keys() {
        // A shortest path back to `start`, breadth first; report each cycle once (from its
        // smallest member).
        let mut prev: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closed = None;
        while let Some(x) = queue.pop_front() {
            for &y in top.get(x).map(|m| m.keys().collect::<Vec<_>>()).unwrap_or_default() {
                if y == start {
                    closed = Some(x);
                    break;
                }
                if y > start && !prev.contains_key(y) {
                    prev.insert(y, x);
                    queue.push_back(y);
                }
            }
            if closed.is_some() {
                break;
            }
        }
        if let Some(mut last) = closed {
            let mut cycle = vec![start];
            while last != start {
                cycle.push(last);
                last = prev[last];
            }
            cycle[1..].reverse();
            cycle.push(start);
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("{} -> {} at {}", w[0], w[1], top[w[0]][w[1]]))
                .collect();
            found.push(format!("top-level cycle {}: {}", cycle.join(" -> "), steps.join("; ")));
        }
    }
    found
}

/// Circles known and not yet broken, each with why: the check fails on any other, and on
/// one of these once it is gone (so the list only shrinks). None is left: the workloads
/// take what they share from `workload::base` and `workload::spec`, the load generator's
/// side of `serve` lives in `workload::load`, and `RustModel` sits in `model::rust`, below
/// both the model registry and `model::serve`'s dispatch over it.
const PENDING: &[(&str, &str)] = &[];

#[test]
fn no_two_modules_import_each_other() {
    let src = Path::new(env!("CONLAB_ROOT")).join("src");
    let found = circles(&dependencies(&src));
    let pending = |c: &String| PENDING.iter().any(|(p, _)| c.starts_with(&format!("{p}:")));
    let new: Vec<&String> = found.iter().filter(|c| !pending(c)).collect();
    let gone: Vec<&str> = PENDING
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| !found.iter().any(|c| c.starts_with(&format!("{p}:"))))
        .collect();
    assert!(
        new.is_empty(),
        "import circles in src/:\n{}",
        new.iter().map(|c| c.as_str()).collect::<Vec<_>>().join("\n")
    );
    assert!(
        gone.is_empty(),
        "circles broken since: remove them from PENDING: {gone:?}"
    );
}

#[test]
fn the_check_sees_each_kind_of_import() {
    let dir = std::env::temp_dir().join(format!("conlab-circles-{}", std::process::id()));
    let write = |file: &str, text: &str| {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "mod a;\nmod b;\nmod c;\n");
    write(
        "a/mod.rs",
        "mod kid;\npub fn median() {}\n// use crate::b::x; in a comment\n",
    );
    write("a/kid.rs", "use super::median;\n");
    write(
        "b.rs",
        "use crate::{a::kid::X, c::{self, y::Z}};\nconst S: &str = \"crate::c::q\";\n",
    );
    write(
        "c.rs",
        "pub fn f() { crate::b::g(); }\n#[cfg(test)]\nmod tests { use super::*; use crate::a::kid::Y; }\n",
    );
    let found = circles(&dependencies(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    let text = found.join("\n");
    assert!(text.contains("a <-> a::kid"), "{text}");
    assert!(text.contains("b <-> c"), "{text}");
    assert!(text.contains("top-level cycle b -> c -> b"), "{text}");
    assert!(!text.contains("a <-> b"), "a comment is not an import: {text}");
    assert_eq!(found.len(), 3, "{text}");
}
