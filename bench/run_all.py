"""`make bench`: every benchmark with its default size (see bench/README.md for the figures and sizes)."""

from __future__ import annotations

from bench import person_list


def main() -> None:
    person_list.main([])


if __name__ == "__main__":
    main()
