"""Argon2 with small cost parameters, for the test suite only.

Production uses Django's Argon2PasswordHasher defaults (about 100 MB and a few hundred ms per hash on
purpose); the suite hashes hundreds of passwords, so it uses the same algorithm with cheap parameters.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
