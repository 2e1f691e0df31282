-- The key pair that signs Wharf's tokens, shared by every node of a cluster so that a token issued by one
-- node is valid on all. The private key is sealed with the node's SecretBox key (secret_key), never stored
-- in the clear.
CREATE TABLE signing_keys (
    id          VARCHAR(100) PRIMARY KEY,
    sealed_jwk  TEXT         NOT NULL,
    created_at  BIGINT       NOT NULL
);
