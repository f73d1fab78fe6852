struct NotDeserialize {}

#[actum::action]
async fn takes_it(_input: NotDeserialize) {}

fn main() {}
