use aludel_orm::Model;

#[derive(Model)]
struct Tag {
    #[aludel(primary_key, indexed)]
    id: i64,
}

fn main() {}
