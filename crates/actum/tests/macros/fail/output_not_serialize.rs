struct NotSerialize {}

#[actum::action]
async fn returns_it(_: ()) -> NotSerialize {
    NotSerialize {}
}

fn main() {}
