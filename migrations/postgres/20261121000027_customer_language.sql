-- The customer's language as Meta's User Profile API gives it ("pt_BR", "en_US"), when the
-- page may read it: the service's texts then go out in that language where they have it.
ALTER TABLE contacts ADD COLUMN locale TEXT;
-- The sandbox's customers say which language Meta reports for them.
ALTER TABLE sandbox_customers ADD COLUMN locale TEXT NOT NULL DEFAULT 'pt_BR';
