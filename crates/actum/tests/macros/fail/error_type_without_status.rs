#[derive(Debug)]
struct MyError;

#[actum::action]
async fn fails(_: ()) -> Result<(), MyError> {
    Err(MyError)
}

fn main() {}
