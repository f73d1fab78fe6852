//! `GET /seeds`: each example of the seeds (the Next.js pages actum reproduces) and where it lives
//! in this app. `examples/app/README.md` has the same table; a test keeps them in step.

use axum::response::Html;
use maud::html;

use super::Frame;

/// One seed example and its place in the app.
struct Seed {
    /// The seeds' name for it.
    example: &'static str,
    /// Where to try it.
    page: &'static str,
    /// The page's URL.
    href: &'static str,
    /// How actum does it, and in which file.
    how: &'static str,
}

/// Every example of the seeds, in the order they come.
const SEEDS: &[Seed] = &[
    Seed {
        example: "createPost / deletePost, auth checked inside",
        page: "Posts: New post, a post's Delete",
        href: "/",
        how: "create_post, delete_post take SignedIn and check ownership (src/posts.rs)",
    },
    Seed {
        example: "<form action={createInvoice}>: customerId, amount, status",
        page: "Invoices",
        href: "/invoices",
        how: "create_invoice checks every field on the server (src/invoices.rs)",
    },
    Seed {
        example: "updateUser.bind(null, userId)",
        page: "a post: Like, Delete, Upload; its edit form",
        href: "/",
        how: "like_post.bind(id), delete_post.bind(id): the id is sealed into the URL (src/pages/post.rs)",
    },
    Seed {
        example: "<button formAction>: publish vs save draft",
        page: "Posts: New post; a post's edit form",
        href: "/",
        how: "create_post / create_draft and publish_post / save_draft: one form, two buttons",
    },
    Seed {
        example: "Entry: requestSubmit()",
        page: "Thread",
        href: "/thread",
        how: "Enter submits the form; client.js sends any submission, requestSubmit() included",
    },
    Seed {
        example: "Signup: server-side validation (zod), useActionState",
        page: "Sign in, New post",
        href: "/",
        how: "garde rules on the input; FormState brings errors and typed values back (src/posts.rs)",
    },
    Seed {
        example: "SubmitButton: useFormStatus, pending",
        page: "every form",
        href: "/",
        how: "client.js marks the form aria-busy and disables its buttons while in flight",
    },
    Seed {
        example: "Thread: useOptimistic",
        page: "Thread",
        href: "/thread",
        how: "send_message with <template data-actum-optimistic> (src/pages/thread.rs)",
    },
    Seed {
        example: "LikeButton: incrementLike from a click",
        page: "a post: Like",
        href: "/",
        how: "like_post returns the new count (src/posts.rs)",
    },
    Seed {
        example: "EditPost: saveDraft on change, debounced",
        page: "a post's edit form",
        href: "/",
        how: "data-actum-autosave=\"800\" on the form, save_draft (src/pages/post.rs)",
    },
    Seed {
        example: "ViewCount: incrementViews from useEffect",
        page: "a post: N views",
        href: "/",
        how: "the post page counts a browser's navigation to it, JavaScript or not (src/pages/post.rs)",
    },
    Seed {
        example: "Error handling: error.js boundary",
        page: "Invoices: Send payment reminders; /posts/999",
        href: "/invoices",
        how: "send_reminders fails: message and digest in the data-actum-error-boundary; a 404 page",
    },
    Seed {
        example: "revalidatePath / revalidateTag",
        page: "Posts",
        href: "/",
        how: "the list is cached under the tag posts, a post under its path; actions revalidate them",
    },
    Seed {
        example: "redirect after a mutation",
        page: "Posts: Publish",
        href: "/",
        how: "create_post ends with actum::redirect(\"/posts/{id}\")",
    },
    Seed {
        example: "cookies(): get, set, delete",
        page: "the theme button; Sign in / Sign out",
        href: "/",
        how: "set_theme sets a cookie the re-rendered page reads (src/theme.rs); sign_out removes one",
    },
    Seed {
        example: "Security: actions are public endpoints",
        page: "a post by someone else: Try to delete it anyway",
        href: "/",
        how: "delete_post answers 403 Forbidden and deletes nothing",
    },
    Seed {
        example: "Closures and encryption",
        page: "every bound button",
        href: "/",
        how: "bound arguments are sealed with ACTUM_SECRET_KEY (XChaCha20-Poly1305)",
    },
    Seed {
        example: "serverActions.bodySizeLimit",
        page: "a post: Attach a file",
        href: "/",
        how: "#[action(body_limit = …)] on upload_attachment; a larger file is refused (src/attachments.rs)",
    },
    Seed {
        example: "allowedOrigins, Origin vs Host",
        page: "every action",
        href: "/",
        how: "the ActionsLayer refuses a cross-site POST (403) before reading its body",
    },
];

/// `GET /seeds`.
pub(crate) async fn seeds_page(frame: Frame) -> Html<String> {
    let content = html! {
        p {
            "Each example of the Next.js pages on Server Actions, and where it lives in this app. \
             Every one works with JavaScript on and off."
        }
        table #seeds {
            thead { tr { th { "Seed example" } th { "Where" } th { "How" } } }
            tbody {
                @for seed in SEEDS {
                    tr {
                        td { code { (seed.example) } }
                        td { a href=(seed.href) { (seed.page) } }
                        td { (seed.how) }
                    }
                }
            }
        }
    };
    frame.page("The seeds, mapped", content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_maps_every_seed_example() {
        let readme = include_str!("../../README.md").replace('`', "");
        for seed in SEEDS {
            let row = format!("| {} |", seed.example);
            assert!(readme.contains(&row), "README.md misses {}", seed.example);
        }
    }
}
