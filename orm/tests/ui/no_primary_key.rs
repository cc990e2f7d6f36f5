use aludel_orm::Model;

#[derive(Model)]
struct Note {
    body: String,
}

fn main() {}
