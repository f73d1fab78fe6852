//! An action's ID depends on its crate, module path, name and signature only (see
//! `docs/resilience.md`): a deploy that changes an action's body, its parameter names, its doc
//! comment or its limits keeps the ID, so pages already open keep working. A new signature gets a
//! new ID, so an old page fails cleanly (`unknown-action`) instead of sending the old shape.

use actum::{Action, ActionInfo};

/// The input of every version.
#[derive(serde::Deserialize)]
struct Note {
    title: String,
}

/// The first version.
mod before {
    use super::Note;

    /// Saves a note.
    #[actum::action]
    pub(crate) async fn save_note(input: Note) -> usize {
        input.title.len()
    }
}

/// The next deploy: another body, parameter name, doc comment and limits; the same signature.
mod after {
    use super::Note;

    /// Saves a note, now trimmed, with limits of its own.
    #[actum::action(body_limit = 4096, time_limit = std::time::Duration::from_secs(2))]
    pub(crate) async fn save_note(note: Note) -> usize {
        note.title.trim().len()
    }

    /// The same name with a new signature (a new return type).
    pub(crate) mod resigned {
        use super::Note;

        #[actum::action]
        pub(crate) async fn save_note(input: Note) -> String {
            input.title
        }
    }
}

/// The ID `info` would have if it lived in `module_path`.
fn id_in(module_path: &'static str, info: &ActionInfo) -> String {
    ActionInfo::__new(
        info.name(),
        module_path,
        info.crate_name(),
        info.signature(),
    )
    .__derive_id()
}

#[test]
fn body_parameter_names_docs_and_limits_do_not_change_the_id() {
    let (old, new) = (before::save_note.info(), after::save_note.info());
    assert_eq!(old.signature(), new.signature());
    assert_eq!(new.body_limit(), Some(4096));
    // Moved into the old module, the new version has exactly the old ID.
    assert_eq!(id_in(old.module_path(), new), before::save_note.id());
    // And the ID is derived from those four fields alone, whatever the limits.
    assert_eq!(id_in(new.module_path(), new), after::save_note.id());
}

#[test]
fn a_new_signature_is_a_new_id() {
    let (old, resigned) = (before::save_note.info(), after::resigned::save_note.info());
    assert_ne!(old.signature(), resigned.signature());
    assert_ne!(id_in(old.module_path(), resigned), before::save_note.id());
}

#[test]
fn an_id_is_the_same_every_time_it_is_derived() {
    let info = before::save_note.info();
    assert_eq!(info.__derive_id(), info.__derive_id());
    assert_eq!(info.__derive_id(), before::save_note.id());
}
