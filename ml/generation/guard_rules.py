"""Hand-written prompt-injection rules, one named pattern per shape of attack, in six languages.

Spanish and English came first; French, German, Portuguese and Italian cover the same shapes. The rules read the
detection views of :mod:`ml.generation.guard_text` (disguises undone), one sentence at a time. Marketer copy is
full of imperatives ("Compra ya", "Order today", "Écrivez-nous"), so the rules that target instructions about the
output (placement, signing, language, format) need the output itself named (every headline, los anuncios,
chaque annonce, jede Anzeige) or a payload (a code word or a URL) in the same sentence.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# what the writer produces, in six languages (singular and plural)
_OUTPUT_NOUN = (
    r"(texts?|ads?|advert(isement)?s?|headlines?|descriptions?|keywords?|lines?|copy|outputs?|answers?|responses?|"
    r"titles?|taglines?|assets?|textos?|anuncios?|t[ií]tulos?|descripci[oó]n(es)?|palabras? clave|l[ií]neas?|"
    r"respuestas?|salidas?|textes?|annonces?|titres?|mots?-cl[eé]s?|lignes?|r[eé]ponses?|slogans?|anzeigen?|"
    r"[uü]berschrift(en)?|titel|beschreibung(en)?|zeilen?|antwort(en)?|ausgaben?|an[uú]ncios?|"
    r"descri[cç](ão|ao|ões|oes)|palavras?-chave|linhas?|testi|testo|annunci[oi]?|titol[oi]|descrizion[ei]|"
    r"parole chiave|righe|riga|rispost[ae])"
)
_EVERY = (
    r"(every|each|all( the| of the)?|cada|tod[oa]s( l[oa]s| o[s]?| a[s]?)?|chaque|tou(te)?s les|jede[rnms]?|"
    r"alle[nm]?|ogni|tutt[ie]( i| le| gli)?|in (all|each|every))"
)
_LANGUAGE = (
    r"(german|french|english|spanish|portuguese|italian|chinese|russian|alem[aá]n|franc[eé]s|ingl[eé]s|"
    r"espa[nñ]ol|portugu[eé]s|italiano|allemand|anglais|espagnol|portugais|italien|deutsch|englisch|"
    r"franz[oö]sisch|spanisch|italienisch|portugiesisch|alem[aã]o|ingl[eê]s|franc[eê]s|espanhol|tedesco|"
    r"inglese|francese|spagnolo|portoghese)"
)
# a payload: a code word (letters and digits), a shouted word, or a URL
_PAYLOAD = r"(\b(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[\w-]{4,}\b|(?-i:\b[A-Z]{5,}\b)|https?://|www\.|\b[\w-]+\.(com|net|org|io|ly|me|example|fr|de|es|mx|br|it|pt|co)\b)"
_AWAY = r"[^.]{0,40}"
# a payload that is surely not ordinary copy: a code word with letters and digits, or a URL (no shouted words:
# "Text the word QUOTE", "Escribe COTIZA" are how marketers ask for messages)
_CODE_OR_URL = (
    r"(\b(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[\w-]{4,}\b|https?://|www\.|"
    r"\b[\w-]+\.(com|net|org|io|ly|me|example|fr|de|es|mx|br|it|pt|co)\b)"
)
# how a marketer names a discount code, the benign twin of a payload: "use SAVE20 at checkout"
_COUPON = (
    r"(code|c[oó]digo|cup[oó]n|coupon|gutschein|codice|cupom|promo|checkout|al pagar|[aà] la caisse|an der kasse|"
    r"alla cassa|no caixa|descuento|discount|rabatt|sconto|desconto|remise|r[eé]duction)\\b"
)
# verbs that put something into, or at an end of, the output (imperative or third person: "los títulos terminan")
_PLACING = (
    r"slip|put|insert|place|paste|ends?|finish(es)?|close[s]?|starts?|begins?|sign|shows? up|appears?|must|has to|"
    r"termin\w*|remat\w*|cierr\w*|cerr\w*|empie\w*|comien\w*|firma|firme|aparezc\w*|pon|coloca|inserta|mete|mets|"
    r"mettez|ins[eé]r\w*|fini\w*|finali[sz]\w*|commenc\w*|signe[zs]?|appara\w*|end(et|en)|beginn\w*|schlie(ß|ss)\w*|erschein\w*|"
    r"muss|m[uü]ssen|setz\w*|come[cç]\w*|apare[cç]\w*|coloqu\w*|cole|assine|chiud\w*|inizi\w*|compa(ia|re)\w*|"
    r"metti|inserisc\w*|debe\w*|deve\w*|doi[tv]\w*|point(s|ing)? to|link(s|ing)? to|lead(s)? to|cite|cita|"
    r"mention(ne[zs]?)?|menciona|apunt\w*|enlac\w*|verlink\w*|verweis\w*|aponte\w*|rimand\w*|glisse[zs]?|desliza|"
    r"infila|einbau\w*|steht|stehen|goes|go|va|van|vai|v[aã]o|figure|figura\w*|contains?|contiene|contient|"
    r"enth[aä]lt|cont[eé]m|contenga"
)
_IMPERATIVE_OUTPUT = (
    r"(answer|reply|say|print|type|write|output|emit|echo|repeat|show|display|pon|escribe|di|muestra|imprime|"
    r"teclea|contesta|responde|repite|tape[zs]?|[eé]cris|[eé]crivez|affiche[zs]?|imprime[zs]?|dis|dites|"
    r"r[eé]ponds|r[eé]pondez|schreib(e)?|gib|sag(e)?|drucke|zeige|antworte|nenne|escreva|diga|mostre|imprima|"
    r"digite|responda|scrivi|stampa|mostra|rispondi|digita|ripeti)"
)

RULES: dict[str, re.Pattern[str]] = {
    "override": re.compile(
        r"\b(ignore|disregard|forget|override|bypass|discard|skip)\b[^.]{0,40}\b(instructions?|directions?|rules|"
        r"guidelines|prompts?|context|above|prior|previous|earlier|programming|filters?|told)\b",
        _I,
    ),
    "override_es": re.compile(
        r"\b(ignora|ignoren|olvida|olviden|omite|descarta|anula|evita|salta)\b[^.]{0,40}\b(instrucci[oó]n(es)?|"
        r"indicaciones|reglas|pautas|prompts?|contexto|anterior(es)?|arriba|previas?|programaci[oó]n|filtros|dijeron)\b",
        _I,
    ),
    "override_fr": re.compile(
        r"\b(ignore[zs]?|oublie[zs]?|n[eé]glige[zs]?|ne (tiens|tenez) (plus |pas )?compte|fai(s|tes) abstraction|"
        r"contourne[zs]?)\b" + _AWAY + r"\b(instructions?|consignes?|r[eè]gles|directives|pr[eé]c[eé]dent(e|es|s)?|"
        r"ci-dessus|contexte|programmation|filtres|prompts?)\b",
        _I,
    ),
    "override_de": re.compile(
        r"\b(ignorier(e|en|t)?|vergiss|vergessen sie|missachte[nt]?|[uü]bergehe|umgehe)\b"
        + _AWAY
        + r"\b(anweisung(en)?|regeln|richtlinien|vorgaben|vorherige[nm]?|obige[nm]?|bisherige[nm]?|kontext|"
        r"programmierung|filter|prompts?)\b",
        _I,
    ),
    "override_pt_it": re.compile(
        r"\b(ignore|ignora|ignorem|ignorate|esque[cç]a[m]?|esquece|desconsidere|despreze|descarte|dimentica(te)?|"
        r"trascura|tralascia|non considerare|scarta)\b" + _AWAY + r"\b(instru[cç](ões|oes)|regras|diretrizes|"
        r"anteriores|acima|contexto|programa[cç][aã]o|filtros|istruzioni|regole|indicazioni|direttive|precedenti|"
        r"sopra|contesto|programmazione|filtri|prompts?)\b",
        _I,
    ),
    "fake_delimiter": re.compile(
        r"(<<<|>>>|</?(data|datos|instructions?|instrucciones|system|sistema)>|\[/?INST\]|<(start|end)_of_turn>|"
        r"^\s*#{2,}|\b(system|sistema|assistant|asistente|user|usuario)\s*:)",
        _I | re.MULTILINE,
    ),
    # chat-template and role markers are never marketing copy: flagged on sight
    "chat_template": re.compile(
        r"(<\|[\w\s-]{1,30}\|>|<</?SYS>>|\[/?INST\]|<(start|end)_of_turn>|"
        r"^\s*#+\s*(system|instructions?|response|assistant|user|input|output|sistema|instrucci[oó]n(es)?|"
        r"syst[eè]me|anweisung(en)?|istruzion[ei]|instru[cç](ão|ao|ões|oes))\b|"
        r"\b(system|syst[eè]me|systemnachricht|sistema)\s*:)",
        _I | re.MULTILINE,
    ),
    "fake_end": re.compile(
        r"\b(end of( the)?|fin del?( la)?|fim d[ao]|fine del(la)?|ende der|fin des?) (client|product|user|customer|"
        r"input|data|description|text|texto|descripci[oó]n|datos|descri[cç][aã]o|texte|donn[eé]es|beschreibung|"
        r"daten|testo|descrizione|dati)\b",
        _I,
    ),
    "role_play": re.compile(
        r"\b(you are (now|no longer)|from now on|pretend (you|to)|act as (a|an) \w+ (that|who)|your new role|"
        r"developer mode|jailbreak|do anything now|ahora eres|ya no eres|a partir de ahora|finge que|"
        r"act[uú]a como un \w+ que|tu nuevo rol|modo desarrollador|from this (sentence|line|point) on|"
        r"(tu es|vous [eê]tes|du bist|voc[eê] [eé]|sei) (d[eé]sormais |jetzt |nun |agora |ora )?(un|une|ein|eine|um|"
        r"uma|una) (robot|bot|assistant|assistent|assistente|ki|ia|mod[eè]le|modell|modelo|modello)|"
        r"(d[eé]sormais|[aà] partir de maintenant|von nun an|ab jetzt|a partir de agora|de agora em diante|"
        r"d'ora in poi|da ora in poi|da adesso in poi)[^.]{0,20}\b(tu|du|voc[eê]|scrivi|escreva|schreibe?|"
        r"[eé]cris|r[eé]ponds|rispondi|responda))\b",
        _I,
    ),
    "exfiltration": re.compile(
        r"\b(system ?(prompt|message)|hidden instructions|initial prompt|prompt you were given|"
        r"prompt del sistema|mensaje del sistema|instrucciones ocultas|prompt inicial|prompt que te dieron|"
        r"systemprompt|system-prompt|systemanweisung(en)?|prompt (de|du) syst[eè]me|prompt di sistema|"
        r"prompt do sistema|instructions cach[eé]es|versteckten anweisungen|istruzioni nascoste|"
        r"instru[cç](ões|oes) ocultas|prompt initial|prompt iniziale)\b",
        _I,
    ),
    "forced_output": re.compile(
        r"\b((write|print|output|say|respond|reply|return|answer|emit|type|echo|copy|repeat)\b[^.]{0,25}\b"
        r"(only|exactly|verbatim|instead|nothing else|ten times)|"
        r"(escribe|imprime|muestra|responde|contesta|devuelve|di|emite|teclea|copia|repite)\b[^.]{0,25}"
        r"\b(solo|solamente|[uú]nicamente|exactamente|textualmente|en su lugar|nada m[aá]s|diez veces)|"
        r"([eé]cri[st]|[eé]crivez|r[eé]ponds|r[eé]pondez|affiche[zs]?|imprime[zs]?|r[eé]p[eè]te[zs]?|schreibe?|"
        r"antworte|gib|drucke|wiederhole|verwende|escreva|responda|imprima|repita|use|scrivi|rispondi|stampa|"
        r"ripeti|usa)\b[^.]{0,25}\b(seulement|uniquement|exactement|nur|ausschlie(ß|ss)lich|genau|apenas|"
        r"somente|s[oó]|exatamente|solo|soltanto|esattamente))\b",
        _I,
    ),
    "payload_placement": re.compile(
        r"\b((in|on|to) (all|every|each) (the )?(headlines?|descriptions?|keywords?|lines?|fields?)|"
        r"(headlines|descriptions|keywords|the ad) must (say|read|be)|set every (headline|description|keyword)|"
        r"replaced? (every|all|each) \w+ (with|by)|include the (phrase|token|code|string)|"
        r"(en|a) (todas|todos|cada) (las |los )?(t[ií]tulos?|descripci[oó]n(es)?|palabras? clave|l[ií]neas?|campos?)|"
        r"(los t[ií]tulos|las descripciones|el anuncio) deben? decir|pon en cada|reemplaza(r)? (cada|todas|todos)|"
        r"incluye la (frase|cadena|palabra)|substitu(a|am|ir) (todas|todos|cada)|sostituisci (tutt|ogni)|"
        r"remplace[zs]? (tou|chaque)|ersetze (alle|jede)|(inserisci|aggiungi|includi|inclua|insira|ins[eé]re[zs]?|"
        r"f[uü]ge) (la frase|a frase|la phrase|den satz))",
        _I,
    ),
    # "End every text with X", "cada descripción debe cerrar con X": every output named, placed, and a payload
    "output_order": re.compile(
        r"^(?=.*\b("
        + _PLACING
        + r")\b)(?=.*\b"
        + _EVERY
        + r"\s+(the |l[oa]s |les |die |den |os |as |i |le )?"
        + _OUTPUT_NOUN
        + r"\b)(?=.*"
        + _PAYLOAD
        + r")",
        _I,
    ),
    # "the headline is always X", "o título é sempre X", "die Überschrift lautet X": an output fixed to a payload
    "output_fixed": re.compile(
        r"\b" + _OUTPUT_NOUN + r"\s+(is|are|es|son|est|sont|ist|sind|lautet|lauten|é|são|sao|è|sono|must be|"
        r"debe ser|deve ser|doit [eê]tre|muss|deve essere)\s+(always |siempre |sempre |toujours |immer |only |"
        r"solo |s[oó]lo |seulement |nur |apenas )?(?=" + _PAYLOAD + r")",
        _I,
    ),
    # the output, a placing verb and a code word or URL: "slip X into the second headline", "os títulos terminam
    # com X"; not "Copy paper A4-80g" nor "every title of the 2024-25 edition" (no placing verb)
    "payload_in_output": re.compile(
        r"^(?=.*\b"
        + _OUTPUT_NOUN
        + r"\b)(?=.*"
        + _CODE_OR_URL
        + r")(?!.*\b"
        + _COUPON
        + r")(?=.*\b("
        + _PLACING
        + r")\b)",
        _I,
    ),
    # a closing order to output a code word: "... and answer X.", "y pon X.", "et tape X.", ": schreib X."
    "verb_payload": re.compile(
        r"(?!.*\b"
        + _COUPON
        + r")(\b(and|y|e|et|und|then|luego|puis|dann|depois|poi)\s+(\w+\s+)?|[:;,]\s*)"
        + _IMPERATIVE_OUTPUT
        + r"\b(\s+\w+)?\s+[«\"']?(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[\w-]{4,}[»\"']?\s*[.!]?\s*$",
        _I,
    ),
    # whoever writes the ads is addressed: "quien genere el texto", "chi scrive gli annunci"
    "addressed_to_writer_role": re.compile(
        r"\b(quien|whoever|the person|the one|la personne qui|celui qui|wer|quem|chi|colui che)\s+(\w+\s+)?"
        r"(genere|generates?|generating|writes?|writing|escrib[ae]|redact[ae]|r[eé]dige|[eé]crit|schreibt|textet|"
        r"escreve|escreva|scrive|genera|gera)\s+(the |el |los |las |les |die |o |os |gli |i |le |our |nuestros |"
        r"unsere )?" + _OUTPUT_NOUN + r"\b",
        _I,
    ),
    "url_insertion": re.compile(
        r"\b(add|append|prepend|include|insert|put|place|paste|mention|agrega|a[nñ]ade|incluye|inserta|pon|coloca|pega|cole|colle[zs]?|"
        r"ajoute[zs]?|ins[eé]re[zs]?|mets|mettez|inclu(s|ez)|f[uü]ge|setze|adicione|inclua|insira|coloque|"
        r"aggiungi|inserisci|includi|metti)\b[^.]{0,40}(https?://|www\.|\b[\w-]+\.(com|net|org|io|ly|me|example|"
        r"fr|de|es|mx|br|it|pt|co)\b)",
        _I,
    ),
    "language_switch": re.compile(
        r"(\b(write|generate|produce|translate|respond|reply|answer|escribe|escriban|redacta|genera|traduce|"
        r"responde|r[eé]dige[zs]?|[eé]cri[st]|[eé]crivez|traduis(ez)?|r[eé]ponds|r[eé]pondez|schreib(e|en)?|"
        r"verfasse|[uü]bersetze|antworte|escreva[m]?|redija|traduza|responda|scrivi|scrivete|redigi|traduci|"
        r"rispondi)\b[^.]{0,25}\b(the|all|all the|every|each|los|las|todos los|todas las|les|tous les|toutes les|"
        r"die|alle|s[aä]mtliche|jede[nrs]?|os|as|todos os|todas as|i|gli|le|tutti i|tutte le|tutti gli)\s+"
        + _OUTPUT_NOUN
        + r"\b[^.]{0,15}\b(in|into|en|em|auf|al|ao|nel|to) "
        + _LANGUAGE
        + r"\b|\b(everything|all|todo|tout|alles|tudo|tutto)\s+(in|en|auf|em)\s+"
        + _LANGUAGE
        + r"\b|"
        r"\b(don'?t|do not|no|ne|nicht|n[aã]o|non)\s+(use|uses|usar|utilise[zs]?|verwende|benutze|usare|usa)\s+"
        r"(more\s+)?"
        + _LANGUAGE
        + r"\b|\b(switch|pass|passa|pasa|passe|wechsle|mude|cambia|change)\s+(to|al|au|[aà] l'|ao|para o|"
        r"zu|auf|in)\s+(the\s+)?" + _LANGUAGE + r"\b|"
        r"\b(switch|change|cambia|changez|wechsle|[aä]ndere|mude|troque|cambi)\b[^.]{0,30}"
        r"\b(language|idioma|langue|sprache|l[ií]ngua|lingua)\b[^.]{0,30}\b(to|into|a|al|en|auf|in|para|ao) "
        + _LANGUAGE
        + r"\b|\b(respond|reply|answer|write|responde|contesta|"
        r"escribe|r[eé]ponds|r[eé]pondez|antworte|schreibe?|responda|escreva|rispondi|scrivi)\b[^.]{0,10}\b(only|"
        r"solo|solamente|seulement|uniquement|nur|apenas|somente|soltanto) (in|en|em|auf) " + _LANGUAGE + r"\b)",
        _I,
    ),
    "format_hijack": re.compile(
        r"\b(respond|reply|answer|output|return|format|write|responde|devuelve|formatea|r[eé]ponds|r[eé]pondez|"
        r"renvoie[zs]?|formate[zs]?|gib|antworte|formatiere|responda|retorne|formate|rispondi|restituisci|formatta)"
        r"\b[^.]{0,40}\b(json|xml|yaml|html|markdown|csv|code block|bloque de c[oó]digo|(as|como|en|als|come|in) "
        r"(a |an |una |un |une |eine |uma )?(table|tabla|tableau|tabelle|tabela|tabella))\b",
        _I,
    ),
    # "redáctalos en alemán" next to the output named: a write verb in any form, then a language
    "language_written": re.compile(
        r"^(?=.*\b" + _OUTPUT_NOUN + r"\b)(?=.*\b(red[aá]ct|escr[ií]b|redig|escrev|scriv|schreib|verfass|"
        r"r[eé]dig|[eé]cri|writ|trad[uú]|translat)\w*\s+(\w+\s+)?(en|in|em|auf|al|into)\s+" + _LANGUAGE + r"\b)",
        _I,
    ),
    "format_list": re.compile(
        r"^(?=.*\b(sous forme d[e']|en forma de|in form (of|einer)|em forma de|in forma di|as an?|als)\s+(\w+\s+)?"
        r"(liste|lista|list|tableau|tabla|table|tabelle|tabela|tabella)\b)(?=.*" + _CODE_OR_URL + r")",
        _I,
    ),
    # "your rules no longer apply" and the like, or your rules next to a payload
    "your_rules_void": re.compile(
        r"\b(your|tus|tes|vos|deine|ihre|seus|suas|tuas|le tue|i tuoi|tu|teu|tua)\s+(\w+\s+)?(rules|instructions|"
        r"guidelines|brief|directions|indicaciones|instrucciones|reglas|pautas|consignes|r[eè]gles|directives|"
        r"vorgaben|anweisungen|regeln|richtlinien|regras|instru[cç](ões|oes)|diretrizes|regole|istruzioni|"
        r"indicazioni)\b(?=.*(" + _CODE_OR_URL + r"|no longer|outdated|cancel|void|obsolet|hinf[aä]llig|ung[uü]ltig|"
        r"aufgehoben|anulad|ya no|caducad|p[eé]rim|annul|ne comptent plus|n[aã]o valem|non valgono|superat|scadut))",
        _I,
    ),
    "format_named": re.compile(
        r"\b(output|salida|sortie|ausgabe|sa[ií]da|uscita|respuesta|response|r[eé]ponse|antwort|resposta|risposta)"
        r"\b[^.]{0,15}\b(en|in|as|como|als|em|au|im)\s+(formato |format |forme de )?"
        r"(json|yaml|xml|csv|markdown|html)\b",
        _I,
    ),
    "brand_mandate": re.compile(
        r"\b((brand|style|editorial) (guidelines?|rules?|polic(y|ies)|requirements?)|(gu[ií]a|lineamiento|norma|"
        r"pauta|regla)s? de (marca|estilo)|(directive|charte|r[eè]gle)s? (de (la )?marque|[eé]ditoriale)|"
        r"marken(richtlinie|vorgabe|regel)n?|(diretriz|diretrizes|regra|guia) (da|de) marca|linea guida (del|di) "
        r"(marchio|brand))\b[^.]{0,20}\b(mandatory|required|compulsory|obligatori[oa]s?|obligatoire|pflicht|"
        r"verbindlich|obrigat[oó]ri[oa]s?|obbligatori[oa])",
        _I,
    ),
    "task_switch": re.compile(
        r"\b(the real task|your (only )?task now|new (task|instructions?|rules) (from|for|:)|system (notice|override)|"
        r"(execute|run) the following|stop generating|except this:|excepto esto:|delimit(ers|adores)|"
        r"la tarea real|tu [uú]nica tarea|nuevas? (tarea|instrucci[oó]n|"
        r"instrucciones|reglas) (del|de|:)|aviso del sistema|anulaci[oó]n|ejecuta el siguiente|deja de generar|"
        r"override\s*:|(nouvelles? t[aâ]ches?|nouvelles? consignes?|neue aufgabe|neue anweisung(en)?|novas? tarefas?|"
        r"novas? instru[cç](ão|ao|ões|oes)|nuovo compito|nuove istruzioni|nuova istruzione)\s*:|"
        r"decode and (follow|execute|obey|do)|decodifica y (sigue|ejecuta)|instrucci[oó]n(es)? en base64|"
        r"(base64|hex)\s*:)",
        _I,
    ),
    "addressed_to_model": re.compile(
        r"\b(language model|AI model|note to the AI|attention model|modelo de (IA|lenguaje)|atenci[oó]n modelo|"
        r"nota para el modelo|IA, |an die KI|sprachmodell|mod[eè]le de langage|modelo de linguagem|"
        r"modello (linguistico|di linguaggio)|whoever writes|(who|that|que|qui|che) (writes?|escribe|[eé]crit|scrive|"
        r"escreve|redacta|r[eé]dige) (these|estos|estas|ces|questi|estes|esses) (ads|anuncios|annonces|annunci|"
        r"an[uú]ncios|texts|textos|textes|testi)|(die|che) (diese|questi) (anzeigen|annunci|texte|testi) "
        r"(schreibt|scrive))",
        _I,
    ),
    # a note or greeting addressed to whoever (or whatever) writes the ads
    "addressed_to_writer": re.compile(
        r"\b((note|message|memo|instructions?|reminder|p\.?s\.?)\s+(to|for)\s+(the |our )?(copy ?writers?|"
        r"writers?|ad writers?|editors?|ai|assistant|model|bot)|(nota|mensaje|recado|aviso|indicaci[oó]n)\s+"
        r"(para|al?)\s+(el |la |o |a )?(redactor(a)?|redator(a)?|copywriter|escritor(a)?|creativo|modelo|asistente|"
        r"assistente|ia|bot)|(note|message|consigne|remarque)\s+(au|[aà] la|aux|pour (le|la|l'))\s*"
        r"(r[eé]dact(eur|rice)|concepteur|copywriter|mod[eè]le|assistant|ia)|(hinweis|nachricht|notiz|anweisung)\s+"
        r"(f[uü]r|an)\s+(den|die)\s+(texter(in)?|redakteur(in)?|copywriter|ki|assistenten|modell)|"
        r"(nota|messaggio|avviso)\s+(per|al|alla)\s+(il |l')?(copywriter|redattore|redattrice|assistente|modello|ia)|"
        r"(querid[oa]|estimad[oa]|dear|cher|ch[eè]re|liebe[rs]?|caro|cara|prezad[oa])\s+(redactor(a)?|redator(a)?|"
        r"copywriter|asistente|assistente|assistant|assistent|modelo|model|modell|r[eé]dacteur|redattore|texter|ki|"
        r"ai|ia)|(atenci[oó]n|aten[cç][aã]o|attention|achtung|attenzione),?\s+(assistente?|asistente|assistant|"
        r"redactor|redator|modelo|model|ki|ia|ai|copywriter))\b",
        _I,
    ),
}

OUTPUT_VERB = re.compile(
    r"\b(write|print|output|say|respond|reply|return|emit|type|echo|copy|repeat|generate|escribe|imprime|muestra|"
    r"responde|contesta|devuelve|di|emite|copia|repite|genera|[eé]cri[st]|[eé]crivez|affiche[zs]?|r[eé]ponds|"
    r"schreibe?|gib|antworte|escreva|responda|mostre|scrivi|rispondi|stampa|mostra)\b",
    _I,
)
