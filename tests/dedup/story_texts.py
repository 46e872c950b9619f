"""Short made-up news reports for the story tests: a Russian report and its English translation, an
unrelated report in each of those languages, six unrelated German reports of one week and two German
reports of one event."""
from __future__ import annotations

RU_ORIGINAL = (
    "Финляндия закрыла последний пункт пропуска на границе с Россией",
    "Правительство Финляндии в четверг закрыло пункт пропуска Вайниккала, последний открытый переход на "
    "границе с Россией. Об этом сообщил министр внутренних дел Финляндии Мари Рантанен на пресс-конференции "
    "в Хельсинки.\n\n"
    "По словам Рантанен, за последние три месяца границу без документов пытались пересечь более 1300 "
    "человек. Пограничная служба Финляндии будет принимать заявления о предоставлении убежища только в "
    "аэропортах и морских портах.\n\n"
    "Решение действует до 14 апреля. Пресс-секретарь Кремля Дмитрий Песков назвал его недружественным шагом "
    "и заявил, что Москва не считает себя ответственной за поток мигрантов.")
EN_TRANSLATION = (
    "Finland closes its last border crossing with Russia",
    "The Finnish government on Thursday closed the Vainikkala crossing point, the last open crossing on the "
    "border with Russia. Finland's interior minister Mari Rantanen announced the decision at a press "
    "conference in Helsinki.\n\n"
    "According to Rantanen, more than 1,300 people tried to cross the border without documents over the "
    "past three months. Finland's border guard will accept asylum applications only at airports and "
    "seaports.\n\n"
    "The decision is in force until 14 April. Kremlin spokesman Dmitry Peskov called it an unfriendly step "
    "and said that Moscow does not consider itself responsible for the flow of migrants.")
RU_OTHER = (
    "В Новосибирске открылся новый мост через Обь",
    "В Новосибирске в пятницу открыли движение по новому мосту через Обь. Мост длиной 1500 метров строили "
    "четыре года, его стоимость составила 38 миллиардов рублей.\n\n"
    "Губернатор Новосибирской области Андрей Травников сказал, что мост разгрузит центр города. По его "
    "словам, по мосту будут ежедневно проезжать до 70 тысяч автомобилей.")
EN_OTHER = (
    "Heavy snow closes schools across Scotland",
    "Hundreds of schools across Scotland were closed on Thursday after heavy snow fell overnight in the "
    "Highlands and Aberdeenshire. The Met Office issued an amber warning for snow and ice until Friday "
    "morning.\n\n"
    "ScotRail cancelled services between Inverness and Perth, and police urged drivers to avoid the A9. "
    "Up to 25cm of snow was recorded at Aviemore, forecasters said.")

GERMAN_UNRELATED = [
    ("Füchse Berlin gewinnen Spitzenspiel in der Handball-Bundesliga",
     "Die Füchse Berlin haben das Spitzenspiel der Handball-Bundesliga gegen den SC Magdeburg mit 31:27 "
     "gewonnen. Vor 9000 Zuschauern in der Max-Schmeling-Halle war Mathias Gidsel mit elf Toren der beste "
     "Werfer.\n\nTrainer Jaron Siewert lobte die Abwehr seiner Mannschaft. Die Berliner bauen ihren "
     "Vorsprung an der Tabellenspitze damit auf vier Punkte aus."),
    ("Leistungsbilanzüberschuss der Eurozone steigt",
     "Der Überschuss in der Leistungsbilanz der Eurozone ist im Januar auf 39 Milliarden Euro gestiegen. "
     "Das teilte die Europäische Zentralbank am Dienstag in Frankfurt mit.\n\nIm Dezember hatte der "
     "Überschuss noch bei 31 Milliarden Euro gelegen. Ökonomen führen den Anstieg vor allem auf niedrigere "
     "Energiepreise und höhere Exporte von Dienstleistungen zurück."),
    ("Neue Regeln für den Einzelhandel an Sonntagen",
     "Geschäfte in Nordrhein-Westfalen sollen künftig an bis zu acht Sonntagen im Jahr öffnen dürfen. "
     "Das hat der Landtag in Düsseldorf am Mittwoch beschlossen.\n\nDer Handelsverband begrüßte die "
     "Entscheidung, die Gewerkschaft Verdi kündigte dagegen eine Klage an. Bisher waren vier verkaufsoffene "
     "Sonntage erlaubt."),
    ("Friedrich gewinnt Weltcup im Zweierbob",
     "Francesco Friedrich hat das Weltcuprennen im Zweierbob in Altenberg gewonnen. Mit seinem Anschieber "
     "Alexander Schüller lag der Sachse nach zwei Läufen 0,21 Sekunden vor dem Briten Brad Hall.\n\n"
     "Für Friedrich war es der fünfte Saisonsieg. Am Sonntag folgt auf der Bahn im Erzgebirge das Rennen "
     "im Viererbob."),
    ("Leipzig plant neue Straßenbahnlinie nach Grünau",
     "Die Stadt Leipzig will bis 2030 eine neue Straßenbahnlinie nach Grünau bauen. Oberbürgermeister "
     "Burkhard Jung stellte die Pläne am Montag im Stadtrat vor.\n\nDie Strecke soll sieben Kilometer lang "
     "werden und rund 180 Millionen Euro kosten. Die Leipziger Verkehrsbetriebe rechnen mit 20.000 "
     "Fahrgästen am Tag."),
    ("Belarus verurteilt Journalisten zu Haftstrafen",
     "Ein Gericht in Minsk hat drei Journalisten zu Haftstrafen zwischen vier und sechs Jahren verurteilt. "
     "Ihnen wurde die Unterstützung extremistischer Aktivitäten vorgeworfen.\n\nDie Organisation Reporter "
     "ohne Grenzen verurteilte das Urteil. Die Europäische Union forderte die Regierung von Alexander "
     "Lukaschenko auf, alle politischen Gefangenen freizulassen."),
]
GERMAN_SAME_EVENT = [
    ("Sturmtief Zoltan legt Bahnverkehr in Norddeutschland lahm",
     "Das Sturmtief Zoltan hat am Donnerstag den Bahnverkehr in Norddeutschland weitgehend lahmgelegt. Die "
     "Deutsche Bahn stellte den Fernverkehr zwischen Hamburg, Bremen und Hannover ein.\n\nIn Hamburg wurden "
     "Windgeschwindigkeiten von 120 Kilometern pro Stunde gemessen. Die Feuerwehr rückte zu mehr als 400 "
     "Einsätzen aus."),
    ("Zoltan: Fernverkehr im Norden eingestellt",
     "Wegen des Sturmtiefs Zoltan fahren im Norden keine Fernzüge mehr. Die Deutsche Bahn teilte mit, dass "
     "die Verbindungen zwischen Hamburg, Bremen und Hannover bis Freitag ausfallen.\n\nDie Feuerwehr in "
     "Hamburg meldete mehr als 400 Einsätze, Böen erreichten 120 Kilometer pro Stunde."),
]
