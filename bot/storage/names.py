"""Word lists for scrubbing names from text kept for staff (used by ``privacy``).

Data, not logic: given names people in Jena's newcomer communities commonly have (German,
English, French, Turkish, Arabic and Persian in Latin letters, Ukrainian and Russian in
Latin and Cyrillic letters, Arabic and Persian in Arabic script), words that introduce a
name ("my neighbour", "меня зовут", "اسمي"), and words that are never names here (offices,
places and topics of the knowledge base — "Carl Zeiss", "Ernst Abbe" must survive).
Everything is lower case; the lists are matched after ``str.casefold``.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.casefold().split())


GIVEN_NAMES = _words("""
anna maria marie sophie sofia lena laura lea leonie hannah emma mia lina julia katharina
sabine petra claudia monika ute heike andrea susanne stefanie nicole kerstin birgit anja
thomas michael andreas stefan markus christian peter klaus jürgen uwe frank matthias jan
tobias florian lukas jonas felix maximilian paul leon elias finn niklas tim sebastian
david daniel martin alexander philipp simon moritz hans karl heinz wolfgang dieter helmut
john james robert william richard joseph charles george mary jennifer linda elizabeth
sarah jessica emily olivia
jean pierre jacques louis françois nicolas camille chloé manon léa élodie amélie
mehmet ahmet mustafa ali hüseyin hasan ibrahim ismail murat yusuf ömer emre burak
ayşe fatma emine hatice zeynep elif merve esra büşra özlem
mohammed mohammad muhammad mohamed ahmad ahmed mahmoud mahmud omar umar khaled khalid
hassan hussein husein abdullah yousef youssef ibrahim samir tarek tariq
walid rami bilal hamza karim jamal nabil fadi ayman osama usama anas firas
fatima aisha aysha amina zainab zeinab mariam maryam layla leila noor nour huda rana
hana dana yasmin yasmina salma reem lina ghada rania
reza mehdi hossein hosein amir hamid saeed javad majid behnam babak farhad
dariush kian arash navid parisa shirin nasrin maryam zahra fatemeh narges mina
sara neda azadeh roya leyla
ivan petro petr pavlo pavel oleksandr aleksandr alexandr olexandr serhii sergei sergey
andrii andrei andriy dmytro dmitri dmitry mykola nikolai volodymyr vladimir yurii yuri
taras bohdan bogdan oleh oleg vasyl vasily maksym maxim viktor igor ihor roman artem
olena elena olga oksana iryna irina nataliia natalia natalya tetiana tatiana tatyana
svitlana svetlana yulia yuliia kateryna ekaterina anastasia anastasiia daria dariia
viktoriia viktoria halyna galina liudmyla lyudmila marina maryna alina sasha masha
іван петро павло олександр сергій андрій дмитро микола володимир юрій тарас богдан олег
василь максим віктор ігор роман артем олена ольга оксана ірина наталія тетяна світлана
юлія катерина анастасія дарія вікторія галина людмила марина аліна
иван пётр петр павел александр сергей андрей дмитрий николай владимир юрий богдан олег
василий максим виктор игорь роман артём артем елена ольга оксана ирина наталья наталия
татьяна светлана юлия екатерина анастасия дарья виктория галина людмила марина алина
саша маша
محمد أحمد محمود خالد حسين عبدالله يوسف إبراهيم ابراهيم سمير طارق وليد رامي بلال حمزة
فادي أيمن أسامة اسامة فراس فاطمة عائشة زينب مريم ليلى رنا ياسمين سلمى ريم غادة رانيا
حسین امیر حمید سعید جواد مجید بهنام بابک فرهاد داریوش آرش نوید پریسا شیرین نسرین
مریم زهرا فاطمه نرگس سارا آزاده رویا علی محمدرضا
""")

# Words after which the next one or two words are a name (title, "my name is", relation).
# Phrases are matched as written here (case-insensitive), followed by the name. Not here:
# "called", "named", "heißt" — "a form called Anmeldung" names a thing, not a person.
INTRODUCERS = (
    # German
    "herr", "herrn", "frau", "hr.", "fr.", "dr.", "prof.", "ich heiße", "ich heisse",
    "mein name ist", "mein nachbar", "meine nachbarin", "meinem nachbarn", "nachbar",
    "nachbarin", "mein vermieter", "meine vermieterin", "mein mitbewohner",
    "meine mitbewohnerin", "mein freund", "meine freundin", "mein kollege", "meine kollegin",
    # English
    "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "my name is", "i am called",
    "my neighbour", "my neighbor", "neighbour", "neighbor", "my landlord", "my landlady",
    "my roommate", "my flatmate", "my friend", "my colleague",
    # French
    "m.", "mme", "mme.", "monsieur", "madame", "je m'appelle", "je m’appelle", "mon voisin",
    "ma voisine", "mon propriétaire", "mon ami", "mon amie", "nommé", "nommée",
    # Turkish
    "bay", "bayan", "adım", "benim adım", "komşum", "ev sahibim", "arkadaşım",
    # Ukrainian, Russian
    "мене звати", "моє ім'я", "моє ім’я", "мій сусід", "моя сусідка", "сусід", "сусідка",
    "пан", "пані", "меня зовут", "мое имя", "моё имя", "моя фамилия", "мой сосед",
    "моя соседка", "сосед", "соседка", "господин", "госпожа", "по имени", "на ім'я",
)

# In Arabic script nothing is capitalised, so only words that always precede a name count
# ("my name is", "Mr"); after them the next word is taken, and a second one if it is a
# known given name. Relations ("جاري", "my neighbour") are followed by anything there.
ARABIC_INTRODUCERS = ("اسمي", "انا اسمي", "أنا اسمي", "السيد", "السيدة", "الأستاذ",
                      "الاستاذ", "اسم من", "اسمم", "آقای")

# Never names: offices, places, people the knowledge base is about, and small words that
# follow an introducer ("Frau Doktor", "my friend Jobcenter" are not names).
KNOWN = _words("""
jena jenaer jenas iéna йена єна ієна ينا يينا ینا
welcome center centre club café cafe office days day buddy buddies international
carl zeiss ernst abbe otto schott friedrich schiller goethe johann wolfgang
universität university uni hochschule eah fsu ukj mensa stadt city
ausländerbehörde bürgerservice bürgerbüro bürgeramt jobcenter jenarbeit landratsamt
sozialamt standesamt finanzamt agentur arbeit familienkasse krankenkasse aok tk barmer
stadtwerke studierendenwerk volkshochschule vhs caritas awo diakonie drk
thüringen thuringia deutschland germany weimar erfurt gera leipzig berlin
lobeda winzerla paradies markt
doktor doctor docteur jobcenter polizei police
ернст аббе отто шотт карл цейс цейсс шиллер шіллер гете ґете
iraklı suriyeli afgan afganlı ukraynalı rus türk alman arap iranlı
und and et ve и і و
""")

# Public addresses of the offices in the knowledge base: they stay in staff's view.
KNOWN_ADDRESSES = frozenset(a.casefold() for a in (
    "Steinweg 10", "Engelplatz 1", "Engelplatz 2", "Am Anger 26", "Am Anger 30",
    "Johannisplatz 26", "Unterm Markt 13", "Stadtrodaer Straße 1", "Grietgasse 17a",
    "Knebelstraße 10", "Carl-Zeiss-Promenade 2", "Ernst-Abbe-Platz 5", "Saalstraße 8a",
    "Markt 16", "Am Planetarium 5", "Carl-Zeiss-Platz 12", "Markt 7", "Am Klinikum 1",
    "Weidbergstraße 24-26",
))

# Endings of family names that German, English or French nouns hardly ever have; a
# capitalised word with one of them right after another capitalised word is a name.
SURNAME_ENDINGS = (
    "enko", "chuk", "czuk", "shyn", "ski", "ska", "sky", "skyi", "skiy", "skaya", "ov",
    "ova", "ev", "eva", "yev", "yeva", "ović", "ovic", "vić", "vic", "escu", "oğlu", "oglu",
    "yan", "jan", "zadeh", "pour", "nejad", "енко", "чук", "ський", "ська", "ский", "ская",
    "ов", "ова", "ев", "ева", "єв", "єва", "ін", "іна", "ин", "ина", "ич", "іч", "вна",
)

