use aludel_orm::Model;

#[derive(Model)]
struct Item {
    #[aludel(primary_key)]
    id: i64,
}

fn main() {
    let _ = Item::id.eq("one");
}
