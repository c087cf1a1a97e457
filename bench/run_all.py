"""`make bench`: every benchmark with its default size (see bench/README.md for the figures and sizes)."""

from __future__ import annotations

from bench import payments, person_list, screening


def main() -> None:
    person_list.main([])
    screening.main([])
    payments.main(["--persons", "1000000"])  # the same database as the two above (one Django set-up)


if __name__ == "__main__":
    main()
