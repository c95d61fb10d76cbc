-- Fetching the customer's name and picture from the User Profile API, with retries.
ALTER TABLE contacts ADD COLUMN profile_pic_url TEXT;
ALTER TABLE contacts ADD COLUMN profile_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN next_profile_attempt_at BIGINT NOT NULL DEFAULT 0;
