//! Secrets: a string that never prints ([`secrecy`]), and the key tokens are sealed with at rest
//! (`ARBOT_SECRET_KEY`, XChaCha20-Poly1305).

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox};

/// A secret string (client secret, token, the Discord bot token): arbot's one secret type.
/// `Debug` prints `[REDACTED]`, it has no `Display`, the memory is zeroed when dropped, and the
/// value comes out only through [`ExposeSecret::expose_secret`], where it is sent.
pub type Secret = secrecy::SecretString;

/// Whether two secrets are the same (is the token the vendor refused the one we hold?).
pub fn same(a: &Secret, b: &Secret) -> bool {
    a.expose_secret() == b.expose_secret()
}

/// Serializes a secret as its text, for what is sealed before it is stored ([`SecretKey::seal`]):
/// `#[serde(serialize_with = "crate::secret::serialize_for_sealing")]`.
pub fn serialize_for_sealing<S: serde::Serializer>(secret: &Secret, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

/// The environment variable holding the sealing key.
pub const SECRET_KEY_VAR: &str = "ARBOT_SECRET_KEY";

/// Why tokens cannot be sealed or unsealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "ARBOT_SECRET_KEY is not set. arbot stores accounting-system tokens encrypted with it and will not store \
         them in the clear. Create a key with `openssl rand -hex 32`, keep it with your other secrets, and set \
         ARBOT_SECRET_KEY to it wherever arbot runs."
    )]
    Missing,
    #[error("ARBOT_SECRET_KEY must be 64 hexadecimal characters (32 bytes), as `openssl rand -hex 32` prints.")]
    Malformed,
    #[error(
        "the saved tokens can't be decrypted with this ARBOT_SECRET_KEY (was the key changed?); connect again \
         with `arbot connect`"
    )]
    CannotOpen,
}

/// The key that seals tokens at rest (zeroed when dropped).
pub struct SecretKey(SecretBox<[u8; 32]>);

impl Clone for SecretKey {
    fn clone(&self) -> SecretKey {
        SecretKey(SecretBox::init_with(|| *self.0.expose_secret()))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([REDACTED])")
    }
}

impl SecretKey {
    /// The key from `ARBOT_SECRET_KEY`.
    pub fn from_env() -> Result<SecretKey, KeyError> {
        match std::env::var(SECRET_KEY_VAR) {
            Ok(v) if !v.trim().is_empty() => SecretKey::from_hex(&v),
            _ => Err(KeyError::Missing),
        }
    }

    /// A key from 64 hex characters.
    pub fn from_hex(text: &str) -> Result<SecretKey, KeyError> {
        let t = text.trim().as_bytes();
        if t.len() != 64 {
            return Err(KeyError::Malformed);
        }
        let key = SecretBox::try_init_with(|| {
            let mut key = [0u8; 32];
            for (i, pair) in t.chunks(2).enumerate() {
                let hi = hex_digit(pair[0]).ok_or(KeyError::Malformed)?;
                let lo = hex_digit(pair[1]).ok_or(KeyError::Malformed)?;
                key[i] = hi << 4 | lo;
            }
            Ok(key)
        })?;
        Ok(SecretKey(key))
    }

    /// Encrypts `plain`, bound to `context` (the source name, so a blob cannot be moved to
    /// another source). Layout: version byte 1, 24-byte random nonce, ciphertext and tag.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(self.0.expose_secret().into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce cannot fail for inputs this size.
        let sealed = cipher.encrypt(&nonce, Payload { msg: plain, aad: context.as_bytes() }).unwrap_or_default();
        let mut out = Vec::with_capacity(1 + nonce.len() + sealed.len());
        out.push(1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts what [`SecretKey::seal`] made for the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, KeyError> {
        if sealed.len() < 1 + 24 + 16 || sealed[0] != 1 {
            return Err(KeyError::CannotOpen);
        }
        let cipher = XChaCha20Poly1305::new(self.0.expose_secret().into());
        let mut nonce = XNonce::default();
        nonce.copy_from_slice(&sealed[1..25]);
        cipher
            .decrypt(&nonce, Payload { msg: &sealed[25..], aad: context.as_bytes() })
            .map_err(|_| KeyError::CannotOpen)
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn seals_and_opens() {
        let key = SecretKey::from_hex(KEY).unwrap();
        let sealed = key.seal("quickbooks", b"refresh-token-1");
        assert!(!sealed.windows(7).any(|w| w == b"refresh"), "the token is not in the clear");
        assert_eq!(key.open("quickbooks", &sealed).unwrap(), b"refresh-token-1");
        // Another source, another key, or a flipped bit: refused.
        assert_eq!(key.open("xero", &sealed), Err(KeyError::CannotOpen));
        let other = SecretKey::from_hex(&KEY.replace("00", "ff")).unwrap();
        assert_eq!(other.open("quickbooks", &sealed), Err(KeyError::CannotOpen));
        let mut bent = sealed.clone();
        let last = bent.len() - 1;
        bent[last] ^= 1;
        assert_eq!(key.open("quickbooks", &bent), Err(KeyError::CannotOpen));
        // Two seals of the same text differ (fresh nonce).
        assert_ne!(key.seal("quickbooks", b"x"), key.seal("quickbooks", b"x"));
    }

    #[test]
    fn keys_must_be_64_hex_characters() {
        assert_eq!(SecretKey::from_hex("abc").unwrap_err(), KeyError::Malformed);
        assert_eq!(SecretKey::from_hex(&KEY.replace('0', "g")).unwrap_err(), KeyError::Malformed);
        assert_eq!(format!("{:?}", SecretKey::from_hex(KEY).unwrap()), "SecretKey([REDACTED])");
        assert!(KeyError::Missing.to_string().contains("openssl rand -hex 32"));
    }

    #[test]
    fn secrets_never_print() {
        let secret = Secret::from("hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"), "{secret:?}");
        assert!(format!("{secret:?}").contains("REDACTED"));
        assert!(same(&secret, &Secret::from("hunter2")) && !same(&secret, &Secret::from("hunter3")));
        #[derive(serde::Serialize)]
        struct Sealed {
            #[serde(serialize_with = "serialize_for_sealing")]
            token: Secret,
        }
        assert_eq!(serde_json::to_string(&Sealed { token: secret }).unwrap(), r#"{"token":"hunter2"}"#);
    }
}
