"""Regenerate identity/common_passwords.txt: well-known weak passwords and their usual variants.

Made offline from patterns seen at the top of every published leak analysis (popular words,
names, keyboard walks, digit runs, years, "word + 123/!"), in Latin and Russian
transliteration. One lower-case password a line; the policy compares case-folded input.
Run: python services/identity/tools/make_common_passwords.py
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "identity" / "common_passwords.txt"

_WORDS_TEXT = """
password passw0rd p@ssword p@ssw0rd pass pasword passwort motdepasse contraseña parol parol123 parolь
qwerty qwertyui qwertyuiop qwer1234 asdf asdfgh asdfghjk asdfghjkl zxcvbn zxcvbnm qazwsx qazwsxedc
1qaz2wsx 1q2w3e 1q2w3e4r 1q2w3e4r5t zaq12wsx zaq1zaq1 ytrewq poiuytrewq mnbvcxz
iloveyou loveyou lovely love letmein welcome hello hello123 admin administrator root toor user guest
login master monkey dragon shadow sunshine princess football baseball basketball soccer hockey
superman batman spiderman starwars pokemon naruto minecraft fortnite roblox
trustno1 whatever freedom ninja mustang michael jennifer jordan jordan23 hunter ranger buster
thomas tigger charlie robert daniel andrew joshua matthew anthony william jessica ashley amanda
nicole michelle hannah sophie olivia emma liverpool chelsea arsenal barcelona realmadrid juventus
manchester united zenit spartak cska dinamo lokomotiv
computer internet google yahoo facebook instagram twitter microsoft apple samsung nokia
secret secret123 access access14 flower summer winter autumn spring october november december
january february march april august september monday friday sunday
cookie cheese coffee chocolate banana orange cherry pepper ginger peanut
killer hacker matrix phoenix silver golden diamond purple yellow orange black white
maxwell ferrari porsche mercedes bmw audi toyota honda nissan lada
jesus christ angel angels heaven blessed faith
baby babygirl babyboy mylove lovelove loveme iloveu iloveyou1 fuckyou asshole
abc123 abcd1234 abcdef abcdefg abcdefgh aa123456 a123456 a1b2c3 a1b2c3d4 123abc
test test123 testing tester demo sample default changeme change123 temp temp123 newpass
kabinet lichnyi lichnykabinet abonent operator telecom rostelecom beeline megafon mts tele2
moscow moskva piter russia rossiya sankt petersburg
natasha natalia tatiana svetlana olga irina elena ekaterina katya masha maria anastasia nastya
sergey sergei andrey alexey aleksey alexander aleksandr dmitry dmitriy ivan ivanov petrov
sidorov vladimir vova nikolay pavel mikhail misha denis maxim artem roman egor kirill
privet lyubov lubov solnce solnyshko kotik zaika malysh krasotka lapochka devochka
klubnika shokolad vkontakte odnoklassniki yandex mailru rambler
marina yulia julia kristina alina polina vika viktoria daria dasha ksenia
zvezda nebo more leto zima vesna osen mama papa semya druzhba
nastroenie schastie svoboda pobeda rossiya1 spartak1 zenit1
qwerty123 qwerty1 qwerty12 password1 password12 password123 passw0rd1
"""
WORDS = _WORDS_TEXT.split()

DIGIT_RUNS = [
    "12345678",
    "123456789",
    "1234567890",
    "0987654321",
    "87654321",
    "987654321",
    "11111111",
    "00000000",
    "12341234",
    "11223344",
    "12121212",
    "123123123",
    "1234554321",
    "147258369",
    "159753",
    "159357",
    "7777777",
    "88888888",
    "99999999",
    "22222222",
    "55555555",
    "66666666",
    "123qwe",
    "123qweasd",
    "123qweasdzxc",
    "qweasdzxc",
    "qweasd",
    "1qazxsw2",
    "zxcasdqwe",
]
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "!", "1!", "123!", "01", "007", "69", "777"]
SUFFIXES += ["11", "00"]
YEARS = [str(y) for y in range(1970, 2026)]
TOP = 60  # the first words also get years appended


def variants() -> set[str]:
    """Every generated password, lower-cased."""
    out: set[str] = set(DIGIT_RUNS)
    for rank, word in enumerate(WORDS):
        w = word.lower()
        out.update(w + s for s in SUFFIXES)
        if rank < TOP:
            out.update(w + y for y in YEARS)
            out.update(w + y[2:] for y in YEARS)
        out.update(w + "@" + y for y in ("123", "2023", "2024", "2025"))
        out.update({w * 2, w.replace("a", "@").replace("o", "0"), w.replace("e", "3").replace("i", "1")})
    for n in range(1, 10):
        out.add(str(n) * 8)
    return {p for p in out if len(p) >= 4}


def main() -> None:
    """Write the list, sorted."""
    words = sorted(variants())
    OUT.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} passwords → {OUT}")


if __name__ == "__main__":
    main()
