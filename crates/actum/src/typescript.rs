//! A TypeScript module with one typed async function per mounted action, for front ends written
//! in JavaScript (React, Svelte, plain TypeScript). `docs/typescript.md` is the guide.
//!
//! With the `typescript` feature, an input or output type that implements `ts_rs::TS` (derive
//! it next to `serde`'s) becomes a TypeScript type; any other type, or every type without the
//! feature, is `unknown`. The module is rendered from [`mounted_actions`](crate::mounted_actions),
//! so build the app's router first:
//!
//! ```
//! use actum::RouterExt;
//!
//! #[derive(serde::Deserialize)]
//! # #[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
//! struct NewNote { text: String }
//!
//! #[actum::action]
//! async fn save_note(input: NewNote) -> usize { input.text.len() }
//!
//! let _app: axum::Router = axum::Router::new().action(save_note);
//! let module = actum::typescript::module(&actum::mounted_actions()).unwrap();
//! assert!(module.contains("export async function saveNote("));
//! assert!(module.contains("export async function saveNoteWithState("));
//! ```
//!
//! Each action `save_note` gives two functions:
//!
//! - `saveNote(input)`: `input` is the typed object (sent as JSON, or as a multipart form when it
//!   holds a `File`) or a `FormData` (sent as a multipart form, so `<form action={saveNote}>`
//!   works as it is). It resolves with the action's output and rejects with an `ActumError`
//!   (status, message, field errors, digest).
//! - `saveNoteWithState(state, input)`: the `(prevState, payload)` shape of React's
//!   `useActionState`; it resolves with `{ result }`, or `{ error }` for an error the user can
//!   fix (a 4xx other than 401, 403 and 404, as a native post comes back to its form), and
//!   rejects otherwise.
//!
//! Both follow a redirect (`location.assign`, and stay pending while the page goes) and fire
//! `actum:revalidate` on `document` when the action marked something stale. An action with
//! `#[bound]` parameters takes the URL the server rendered with `action.bind(…)` first, so
//! `deletePost.bind(null, url)` is the action with its arguments, as in React.
//!
//! The module holds the action IDs of the process that rendered it: readable and stable in debug
//! builds, keyed by `ACTUM_ID_KEY` (or the secret key) in release builds, so a release front end
//! is built from a module written by the release binary with the production key.
//!
//! It is rendered by hand rather than by a template engine: it is one string with a fixed part
//! (`typescript/runtime.ts`), the types from ts-rs and two short functions per action.

use std::collections::{BTreeMap, HashSet};
use std::fmt::{self, Write as _};

use crate::listing::MountedAction;

/// The TypeScript type of an action's input or output, as the macro found it. Used by the macro.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct TsType {
    render: Option<fn(&mut Declarations) -> String>,
}

impl TsType {
    /// A type without a TypeScript form: `unknown`.
    pub const UNKNOWN: Self = Self { render: None };

    fn render(self, declarations: &mut Declarations) -> String {
        match self.render {
            Some(render) => render(declarations),
            None => "unknown".to_owned(),
        }
    }
}

impl fmt::Debug for TsType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.render.is_some() {
            "TsType"
        } else {
            "TsType(unknown)"
        })
    }
}

/// Why the module could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeScriptError {
    /// Two different Rust types have the same TypeScript name (rename one with `#[ts(rename)]`).
    TypeNameClash {
        /// The TypeScript name.
        name: String,
    },
    /// Two actions would get the same function name even with their module paths.
    FunctionNameClash {
        /// The function name.
        name: String,
    },
}

impl fmt::Display for TypeScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TypeNameClash { name } => write!(
                f,
                "two different types are named `{name}` in typescript: rename one with #[ts(rename = \"…\")]"
            ),
            Self::FunctionNameClash { name } => {
                write!(
                    f,
                    "two actions would both be the typescript function `{name}`"
                )
            }
        }
    }
}

impl std::error::Error for TypeScriptError {}

/// The declarations the module needs, by TypeScript name, each once.
#[doc(hidden)]
#[derive(Default)]
pub struct Declarations {
    by_name: BTreeMap<String, String>,
    #[cfg_attr(not(feature = "typescript"), allow(dead_code))]
    visited: HashSet<std::any::TypeId>,
    clash: Option<String>,
}

/// Renders the TypeScript module for `actions` (usually [`mounted_actions`](crate::mounted_actions)):
/// the types, sorted by name and each declared once, then the functions, sorted by name. The same
/// actions give the same text.
///
/// ```
/// let module = actum::typescript::module(&[]).unwrap();
/// assert!(module.contains("export class ActumError"));
/// ```
///
/// # Errors
/// When two types or two actions would get the same TypeScript name.
pub fn module(actions: &[MountedAction]) -> Result<String, TypeScriptError> {
    let mut declarations = Declarations::default();
    let names = function_names(actions)?;
    let mut functions = String::new();
    for (name, action) in &names {
        let input = action.input_type().render(&mut declarations);
        let output = action.output_type().render(&mut declarations);
        write_functions(&mut functions, name, action, &input, &output);
    }
    if let Some(name) = declarations.clash {
        return Err(TypeScriptError::TypeNameClash { name });
    }
    let mut out = String::from(HEADER);
    if !declarations.by_name.is_empty() {
        out.push_str(
            "\n// ---- The actions' input and output types (from the Rust types, by ts-rs).\n\n",
        );
        for declaration in declarations.by_name.values() {
            // ts-rs leaves a space at the end of some lines.
            for line in declaration.lines() {
                out.push_str(line.trim_end());
                out.push('\n');
            }
            out.push('\n');
        }
    } else {
        out.push('\n');
    }
    out.push_str(include_str!("typescript/runtime.ts"));
    if actions.iter().any(|a| a.info().has_bound()) {
        out.push('\n');
        out.push_str(include_str!("typescript/bound.ts"));
    }
    if !functions.is_empty() {
        out.push_str("\n// ---- One function per action, and its `useActionState` form.\n");
        out.push_str(&functions);
    }
    Ok(out)
}

const HEADER: &str = "\
// Written by actum (`actum::typescript::module`) from the mounted actions: do not edit, write it
// again (docs/typescript.md). It holds the action IDs of the build that wrote it.
";

/// Each action's function name: its own in camelCase, or with its module path when two share one.
fn function_names(
    actions: &[MountedAction],
) -> Result<BTreeMap<String, &MountedAction>, TypeScriptError> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for action in actions {
        *count.entry(camel_case([action.info().name()])).or_default() += 1;
    }
    let mut names = BTreeMap::new();
    for action in actions {
        let info = action.info();
        let mut name = camel_case([info.name()]);
        if count.get(&name).copied().unwrap_or(0) > 1 {
            name = camel_case(info.module_path().split("::").skip(1).chain([info.name()]));
        }
        if is_reserved(&name) {
            name.push_str("Action");
        }
        if names.insert(name.clone(), action).is_some() {
            return Err(TypeScriptError::FunctionNameClash { name });
        }
    }
    Ok(names)
}

fn write_functions(
    out: &mut String,
    name: &str,
    action: &MountedAction,
    input: &str,
    output: &str,
) {
    let info = action.info();
    let id = action.id();
    // An action without input (`()` is `null`) is called with nothing. A form carries named
    // fields, so an input of one text, number or list cannot come from `FormData`.
    let takes_form =
        !matches!(input, "string" | "number" | "boolean") && !input.starts_with("Array<");
    let input_param = if input == "null" {
        "input?: FormData | null".to_owned()
    } else if takes_form {
        format!("input: {input} | FormData")
    } else {
        format!("input: {input}")
    };
    let (bound_param, url) = if info.has_bound() {
        ("url: string, ", format!("boundUrl(url, '{id}')"))
    } else {
        ("", format!("'{}'", action.path()))
    };
    let bound_arg = if info.has_bound() { "url, " } else { "" };
    // `write!` into a `String` cannot fail.
    let _ = write!(
        out,
        "
/** `{module}::{fn_name}`{limits}. */
export function {name}({bound_param}{input_param}): Promise<{output}>;{form_overload}
export async function {name}({bound_param}{input_param}): Promise<{output} | void> {{
  return call<{output}>({url}, input);
}}

/** `{name}` for `useActionState`: `{{ result }}`, or `{{ error }}` for an error the user can fix. */
export async function {name}WithState({bound_param}_state: ActionState<{output}>, {input_param}): Promise<ActionState<{output}>> {{
  return withState(() => {name}({bound_arg}input));
}}
",
        module = info.module_path(),
        fn_name = info.name(),
        form_overload = if takes_form {
            format!(
                "\n/** As a form action (`<form action={{{name}}}>`): React drops the result. */\n\
                 export function {name}({bound_param}formData: FormData): Promise<void>;"
            )
        } else {
            String::new()
        },
        limits = limits_note(action),
    );
}

/// The action's own limits, for the doc comment.
fn limits_note(action: &MountedAction) -> String {
    let info = action.info();
    let mut notes = Vec::new();
    if let Some(bytes) = info.body_limit() {
        notes.push(format!("body limit {bytes} bytes"));
    }
    if let Some(limit) = info.time_limit() {
        notes.push(format!("time limit {} ms", limit.as_millis()));
    }
    if info.has_bound() {
        notes.push("takes the URL rendered by `bind`".to_owned());
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    }
}

/// `increment_like` → `incrementLike`; several parts are joined (`posts`, `create` → `postsCreate`).
fn camel_case<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for word in parts
        .into_iter()
        .flat_map(|part| part.trim_start_matches("r#").split('_'))
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if out.is_empty() {
                out.push(first);
            } else {
                out.extend(first.to_uppercase());
            }
            out.extend(chars);
        }
    }
    out
}

/// Words that cannot name an exported function.
fn is_reserved(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
        // The module's own names.
        "call",
        "withState",
        "boundUrl",
        "hasFile",
        "toFormData",
    ];
    RESERVED.contains(&name)
}

/// Autoref choice between types with and without `ts_rs::TS` (as in `validate.rs`): the macro
/// calls `(&TypeOf::<T>::new()).actum_ts_type()`; the `TS` impl takes `&TypeOf` and is found
/// first, the fallback takes `&&TypeOf`.
#[doc(hidden)]
pub struct TypeOf<T: ?Sized>(std::marker::PhantomData<fn() -> T>);

impl<T: ?Sized> TypeOf<T> {
    /// The probe for `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

/// Types without a TypeScript form.
#[doc(hidden)]
pub trait NoTs {
    /// `unknown`.
    fn actum_ts_type(&self) -> TsType {
        TsType::UNKNOWN
    }
}

impl<T: ?Sized> NoTs for &TypeOf<T> {}

/// Types deriving `ts_rs::TS`.
#[cfg(feature = "typescript")]
#[doc(hidden)]
pub trait ViaTs {
    /// Their TypeScript name, declared with what it depends on.
    fn actum_ts_type(&self) -> TsType;
}

#[cfg(feature = "typescript")]
impl<T: ts_rs::TS + 'static> ViaTs for TypeOf<T> {
    fn actum_ts_type(&self) -> TsType {
        TsType {
            render: Some(via_ts::render::<T>),
        }
    }
}

/// Brings both methods into scope for the macro's generated code.
#[doc(hidden)]
pub mod prelude {
    pub use super::NoTs as _;
    #[cfg(feature = "typescript")]
    pub use super::ViaTs as _;
}

#[cfg(feature = "typescript")]
mod via_ts {
    use ts_rs::{Config, TS, TypeVisitor};

    use super::Declarations;

    /// serde_json writes 64-bit integers as JSON numbers, so they are `number` (not ts-rs's
    /// default `bigint`).
    fn config() -> Config {
        Config::new().with_large_int("number")
    }

    /// `T`'s name, after declaring `T` and every type it depends on.
    pub(super) fn render<T: TS + 'static>(declarations: &mut Declarations) -> String {
        let cfg = config();
        declare::<T>(&cfg, declarations);
        T::name(&cfg)
    }

    fn declare<T: TS + 'static + ?Sized>(cfg: &Config, declarations: &mut Declarations) {
        if !declarations.visited.insert(std::any::TypeId::of::<T>()) {
            return;
        }
        // Only types with a declaration of their own (derived ones) have an output path.
        if T::output_path().is_some() {
            let docs = T::docs().unwrap_or_default();
            let text = format!("{docs}export {}", T::decl(cfg));
            let name = T::ident(cfg);
            match declarations.by_name.get(&name) {
                Some(existing) if *existing != text => {
                    declarations.clash.get_or_insert(name);
                }
                Some(_) => {}
                None => {
                    declarations.by_name.insert(name, text);
                }
            }
        }
        let mut visit = Visit { cfg, declarations };
        T::visit_dependencies(&mut visit);
        T::visit_generics(&mut visit);
    }

    struct Visit<'a> {
        cfg: &'a Config,
        declarations: &'a mut Declarations,
    }

    impl TypeVisitor for Visit<'_> {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            declare::<T>(self.cfg, self.declarations);
        }
    }

    /// A file field is a `File` in the typed object (which then goes as a multipart form).
    impl TS for crate::UploadedFile {
        type WithoutGenerics = Self;
        type OptionInnerType = Self;

        fn name(_: &Config) -> String {
            "File".to_owned()
        }

        fn inline(cfg: &Config) -> String {
            Self::name(cfg)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_camel_case() {
        assert_eq!(camel_case(["increment_like"]), "incrementLike");
        assert_eq!(camel_case(["posts", "create_post"]), "postsCreatePost");
        assert_eq!(camel_case(["r#type"]), "type");
        assert_eq!(camel_case(["_private"]), "private");
        assert!(is_reserved("delete"));
        assert!(!is_reserved("deletePost"));
    }

    #[test]
    fn unknown_types_say_unknown() {
        assert_eq!(
            TsType::UNKNOWN.render(&mut Declarations::default()),
            "unknown"
        );
        use prelude::*;
        struct Plain;
        let probe = (&TypeOf::<Plain>::new()).actum_ts_type();
        assert_eq!(probe.render(&mut Declarations::default()), "unknown");
    }
}
