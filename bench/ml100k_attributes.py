#!/usr/bin/env python3
"""Write MovieLens-100k's user and item attributes as recpipe attribute tables.

usage: bench/ml100k_attributes.py DATADIR OUTDIR

Reads DATADIR/ml-100k/u.user, u.item and u.genre (never copied into the
repository) and writes, into OUTDIR (a scratch directory), two tables for
rec-train --user-attributes / --item-attributes, joined on u.data's ids:

  users.tsv  user, age, agegroup, gender, occupation, zip1
  items.tsv  item, year, decade, genres

Tab-separated, a header line, no quoting.  agegroup is the decade of the
age ("20s"), zip1 the first character of the zip code (some are Canadian
postcodes, so not always a digit).  The copy in ../shared/data has a
placeholder first line "0|0|D|default_user|0000" for a user 0 that
u.data never names; it is left out.  year is the release year from the
release date ("01-Jan-1995"), empty when u.item has none (one movie);
decade is "1990s", empty then too.  genres lists the names (from u.genre)
of the genre flags set, joined with "|" for --list-sep '|'; a movie with
no flag set gets "unknown", the name of u.genre's genre 0.

Why: the side-feature benchmark (bench/features.sh) measures what user
demographics, genres and release year add to ids alone, above all for
users and items unseen in training.
"""
import os
import sys


def read_lines(path, encoding):
    with open(path, encoding=encoding, newline='') as f:
        return [line.rstrip('\r\n') for line in f if line.strip()]


def genre_names(path):
    """Genre names in flag order: u.genre lines are 'name|index'."""
    names = {}
    for line in read_lines(path, 'latin-1'):
        name, index = line.rsplit('|', 1)
        names[int(index)] = name
    return [names[i] for i in range(len(names))]


def clean(value):
    """A cell as written: no tab or newline may reach the TSV."""
    if any(c in value for c in '\t\r\n'):
        raise ValueError(f'a tab or line break in {value!r}')
    return value


def users(src):
    rows = [['user', 'age', 'agegroup', 'gender', 'occupation', 'zip1']]
    for line in read_lines(src, 'latin-1'):
        user, age, gender, occupation, zipcode = line.split('|')
        if user == '0':
            continue    # the placeholder, not a MovieLens user
        decade = int(age) // 10 * 10
        rows.append([user, age, f'{decade}s', gender, occupation,
                     zipcode.strip()[:1]])
    return rows


def items(src, genres):
    rows = [['item', 'year', 'decade', 'genres']]
    for line in read_lines(src, 'latin-1'):
        fields = line.split('|')
        # id | title | release date | video release date | URL | 19 flags;
        # a title may hold no '|', so the count is exact
        if len(fields) != 5 + len(genres):
            raise ValueError(f'{src}: {len(fields)} fields in {line!r}')
        item, date, flags = fields[0], fields[2].strip(), fields[5:]
        year = date[-4:] if len(date) >= 4 and date[-4:].isdigit() else ''
        decade = f'{int(year) // 10 * 10}s' if year else ''
        names = [g for g, flag in zip(genres, flags) if flag == '1']
        rows.append([item, year, decade, '|'.join(names) or genres[0]])
    return rows


def write(path, rows):
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        for row in rows:
            f.write('\t'.join(clean(c) for c in row) + '\n')


def main(argv):
    if len(argv) != 3:
        sys.exit('usage: ml100k_attributes.py DATADIR OUTDIR')
    ml, out = os.path.join(argv[1], 'ml-100k'), argv[2]
    genres = genre_names(os.path.join(ml, 'u.genre'))
    write(os.path.join(out, 'users.tsv'), users(os.path.join(ml, 'u.user')))
    write(os.path.join(out, 'items.tsv'),
          items(os.path.join(ml, 'u.item'), genres))


if __name__ == '__main__':
    main(sys.argv)
