use aludel_orm::Model;

struct Money(i64);

#[derive(Model)]
struct Account {
    #[aludel(primary_key)]
    id: i64,
    balance: Money,
}

fn main() {}
