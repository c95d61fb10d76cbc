// `sqlx::migrate!` embeds the migrations at compile time; without this, a new migration file
// is not seen until something else makes the crate build again (sqlx's documented fix).
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
