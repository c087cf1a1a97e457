"""`make bench`: every benchmark with its default size (see bench/README.md for the figures and sizes)."""

from __future__ import annotations

from bench import person_list, screening


def main() -> None:
    person_list.main([])
    screening.main([])


if __name__ == "__main__":
    main()
