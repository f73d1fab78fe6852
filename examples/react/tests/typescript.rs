//! `web/src/actions.ts` is what the app's actions give today: this test renders the module again
//! and fails when the committed file differs. Write it again with
//! `cargo run -p actum-example-react -- --write-typescript examples/react/web/src/actions.ts`.

// Release builds have opaque IDs keyed by the secret key: the committed module is a debug build's.
#![cfg(debug_assertions)]

use std::path::Path;

#[test]
fn the_committed_module_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/src/actions.ts");
    let committed = std::fs::read_to_string(&path).expect("web/src/actions.ts is committed");
    let fresh = actum_example_react::typescript_module().expect("the module renders");
    assert!(
        committed == fresh,
        "{} is stale: run `cargo run -p actum-example-react -- --write-typescript \
         examples/react/web/src/actions.ts`\nfirst difference at line {}",
        path.display(),
        first_difference(&committed, &fresh),
    );
}

#[test]
fn every_action_has_both_call_shapes_and_its_types() {
    let module = actum_example_react::typescript_module().expect("the module renders");
    for function in [
        "incrementLike(input?: FormData | null): Promise<number>",
        "createUserWithState(_state: ActionState<null>, input: SignUp | FormData): Promise<ActionState<null>>",
        "send(input: string): Promise<Message>",
        "addEntry(formData: FormData): Promise<void>",
        "deleteEntry(url: string, input?: FormData | null): Promise<null>",
        "uploadAvatar(input: NewAvatar | FormData): Promise<Avatar>",
    ] {
        assert!(module.contains(function), "missing: {function}");
    }
    // Each type once, though several actions use `Attachment`.
    assert_eq!(module.matches("export type Attachment =").count(), 1);
    assert!(
        module.contains("attachment?: File,"),
        "an Option<UploadedFile> is an optional File"
    );
    // The listing it comes from: every mounted action, once.
    let listed: Vec<&str> = actum::mounted_actions()
        .iter()
        .map(|a| a.info().name())
        .collect();
    assert_eq!(
        listed,
        [
            "add_entry",
            "create_user",
            "delete_entry",
            "increment_like",
            "increment_views",
            "publish_post",
            "save_draft",
            "send",
            "upload_avatar",
        ]
    );
}

/// The 1-based number of the first line that differs.
fn first_difference(a: &str, b: &str) -> usize {
    a.lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()))
        + 1
}
