"""Password hashing: Argon2id at the cost OWASP recommends, not Django's heavier default.

Django's Argon2PasswordHasher defaults to 100 MiB, 2 passes, 8 lanes. On these 2-core
machines that costs about as much CPU per log-in as 1,000,000 rounds of PBKDF2 (160 ms
against 169 ms, docs/BENCHMARKS.md "login"), and 100 MiB per log-in in flight: a class
launch with 32 log-ins at once would want over 3 GiB. OWASP's Password Storage Cheat
Sheet lists 19 MiB, 2 passes, 1 lane as its first recommended Argon2id setting, as strong
against guessing as its other settings; it takes about 18 ms.

Hashes made with other parameters (Django's defaults included) still verify, since each
hash carries its own, and are re-hashed with these at the person's next log-in.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id, m=19 MiB, t=2, p=1 (OWASP). The algorithm name stays "argon2"."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
