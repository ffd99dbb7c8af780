"""Words around a name, per language: the titles and roles before a person's name, the
prepositions that make a name an object, and the capitalised words that never start a name.
"""

from __future__ import annotations

from worker.pipeline.enrich.speech_words import word_set

# A capitalised article or pronoun starts a common noun phrase, not a name: "The minister
# said", "Die Ministerin sagte", "Il a déclaré". Not "le", "la", "de": "Le Pen", "De Luca".
NOT_NAMES = (
    "the a an this he she they we i it die der das ein eine er sie wir les un une il elle "
    "ils nous on los las gli os as um uma het een hij zij wij "
    "his her their its sein seine ihr ihre unser unsere son sa ses leur su sus seu sua suo "
    "wer man"
)

# A person or organisation after one of these is its object, not the sentence's subject:
# "a letter to Smith", "the lawyer for Acme", "à Moscou", "mit Scholz".
PREPOSITIONS = word_set(
    "to of for with by from in at on about against than into over under toward towards "
    "à au aux de du des d' d’ avec par pour chez contre sur sans vers en "
    "mit von vom zu zum zur für bei beim gegen über an am im aus nach "
    "a al con por para contra sobre del desde hacia entre "
    "ao do da dos das com pelo pela "
    "di con per dal dalla della dello nel nella dell' dell’ dall' dall’ nell' nell’ all' all’ "
    "sull' sull’ degli dei delle dagli dai dalle negli nei nelle sugli sui sulle agli ai alle "
    "met van voor door aan naar "
    "с к о об у от для"
)

# Titles and functions before a name, dropped from a speaker's name when a name is left:
# "Foreign Minister Sergei Lavrov" is "Sergei Lavrov", "Ms Reeves" is "Reeves".
TITLES = word_set(
    "mr mrs ms miss dr prof professor sir dame rev president prime minister foreign "
    "secretary chancellor senator sen rep representative gov governor mayor judge justice "
    "ambassador gen colonel col lt lieutenant sgt sergeant captain capt "
    "commander admiral chief officer commissioner director chairman chairwoman chair ceo "
    "interim acting deputy vice attorney police defense defence interior finance health "
    "spokesman spokeswoman spokesperson minister-president "
    "herr frau bundeskanzler bundeskanzlerin kanzler kanzlerin ministerin präsident "
    "präsidentin bundespräsident ministerpräsident ministerpräsidentin "
    "m mme mlle monsieur madame président présidente ministre premier première "
    "señor señora sr sra don doña presidente presidenta ministro ministra senador senadora "
    "diputado diputada alcalde alcaldesa gobernador gobernadora "
    "senhor senhora deputado deputada governador governadora prefeito prefeita "
    "signor signora onorevole sindaco "
    "dhr mevr minister-president premier burgemeester wethouder woordvoerder woordvoerster "
    "bapak ibu pak bu "
    "bay bayan "
    # Turkish puts the role after its organisation: "Dışişleri Bakanı Mevlüt Çavuşoğlu"
    "bakan bakanı başkanı cumhurbaşkanı başbakan sözcüsü müdürü valisi büyükelçisi komutanı "
    "milletvekili"
)

# Role nouns that, after a definite article and with no name, point back to someone already
# named ("», a ajouté le ministre", '," said the senator', "añadió el senador por Florida").
ROLES_EN = word_set(
    "senator minister president spokesman spokeswoman spokesperson official prosecutor "
    "lawyer attorney leader chief mayor governor envoy ambassador congressman congresswoman "
    "lawmaker representative secretary chancellor reporter journalist"
)
ROLES = ROLES_EN | word_set(
    "ministre président présidente porte-parole avocat procureur maire dirigeant "
    "minister ministerin präsident präsidentin sprecher sprecherin anwalt anwältin chef chefin "
    "senador senadora ministro ministra presidente presidenta portavoz vocero vocera fiscal "
    "abogado abogada juez jueza mandatario mandataria alcalde alcaldesa líder "
    "secretaria secretario "
    "porta-voz advogado advogada prefeito prefeita governador governadora secretário secretária "
    "sindaco portavoce avvocato segretario segretaria sottosegretario sottosegretaria "
    "assessore assessora governatore governatrice procuratore procuratrice direttore "
    "direttrice comandante premier prefetto questore capo gobernador gobernadora entrenador "
    "entrenadora allenatore técnico treinador director directora diretor diretora jefe jefa "
    "burgemeester wethouder "
    "woordvoerder woordvoerster vicepresidente vicepresidenta vice-président vice-présidente "
    "juru bicara menteri presiden ketua kepala direktur gubernur jaksa pengacara "
    "пресс-секретарь министр глава председатель представитель посол президент спикер "
    "губернатор мэр директор "
    "journaliste journalistin reporterin periodista reportero reportera "
    "jornalista repórter giornalista cronista"
)

# Nouns that, after a definite article, point back to an organisation already named ('," the
# company said', "a indiqué l'entreprise", "la congregación señaló"). Bodies often left
# unnamed (the government, the court, the police) are not among them.
ORG_ROLES = word_set(
    "company firm group agency ministry organisation organization party union bank airline "
    "carrier automaker carmaker retailer broadcaster newspaper club team university charity "
    "entreprise société groupe compagnie agence ministère organisation parti syndicat banque "
    "équipe université "
    "empresa compañía grupo agencia ministerio organización partido sindicato banco equipo "
    "universidad congregación aerolínea "
    "unternehmen konzern firma gruppe agentur ministerium organisation partei gewerkschaft "
    "verein "
    "azienda società gruppo agenzia ministero organizzazione partito sindacato banca squadra "
    "companhia agência ministério organização equipe "
    "bedrijf ministerie organisatie partij"
)

# Languages that capitalise every noun: there a capital says nothing of a name.
NOUNS_CAPITALISED = frozenset({"de", "lb"})

# Roles whose organisation follows with no preposition (Indonesian "juru bicara Kremlin
# Dmitry Peskov"); elsewhere a third capitalised word after a role is part of the name
# ("la jueza Ana María Ruiz").
# Russian names the organisation in the genitive, capitalised, between the two ("пресс-
# секретарь Кремля Дмитрий Песков").
ROLES_BEFORE_WHOSE = word_set(
    "bicara menteri presiden ketua kepala direktur gubernur jaksa "
    "пресс-секретарь министр глава председатель представитель посол президент спикер "
    "губернатор мэр директор"
)


# The first word of an institution's name: a court, a ministry, a party is an organisation
# even where a model trained on Wikipedia's places reads it as one ("Corte Suprema" as LOC).
INSTITUTION_FIRST = word_set(
    "cour conseil commission comité ministère agence institut banque tribunal autorité "
    "secrétariat assemblée fédération confédération syndicat parti sénat gendarmerie "
    "corte fiscalía tribunal ministerio comisión compañía congreso senado consejo cámara "
    "policía partido universidad banco agencia asamblea convención secretaría procuraduría "
    "contraloría defensoría junta fundación asociación sindicato ejército gobierno "
    "ministério comissão companhia conselho câmara polícia universidade agência assembleia "
    "procuradoria fundação associação exército governo "
    "tribunale ministero commissione compagnia senato consiglio camera polizia partito "
    "università banca agenzia procura fondazione associazione sindacato esercito governo"
)
