-- The page access token, sealed with the key kept outside the database (see secret_box.rs).
ALTER TABLE services ADD COLUMN access_token_sealed TEXT;
