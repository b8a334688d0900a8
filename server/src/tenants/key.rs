//! A new tenant's namespace key: short, random, valid in a namespace name, and never mistaken
//! for a subdomain's words.

use rand::Rng;

/// Letters and digits a key is made of; no vowels, so a key never spells a word.
const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz0123456789";

/// How many characters a key has: 30^10, about 2^49 keys.
const LENGTH: usize = 10;

/// A fresh namespace key, e.g. `k7x2mq9bz4`: a letter first, so it names a valid namespace
/// whatever the prefix.
pub fn new_key() -> String {
    let mut rng = rand::thread_rng();
    let letters = ALPHABET.len() - 10;
    let mut key = String::with_capacity(LENGTH);
    key.push(char::from(ALPHABET[rng.gen_range(0..letters)]));
    for _ in 1..LENGTH {
        key.push(char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_lowercase_and_start_with_a_letter() {
        for _ in 0..200 {
            let key = new_key();
            assert_eq!(key.len(), LENGTH);
            assert!(key.starts_with(|c: char| c.is_ascii_lowercase()), "{key}");
            assert!(key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        }
        assert_ne!(new_key(), new_key());
    }
}
