package local

// The concept lexicon maps words and phrases of the five languages to
// shared concept features ("c:refund" fires for "refund", "hyvitys",
// "återbetalning", "Rückerstattung" and "remboursement"), so that what the
// model learns from an example in one language carries over to the others.
// The model learns how much each concept counts for each label; the lexicon
// only says what the words mean. It was written from the label definitions
// (see doc.go), not from any evaluation data.
//
// Syntax of an entry: words separated by spaces form a phrase, matched on
// consecutive tokens with at most one extra token between two of them
// ("ei toimi" also matches "ei enää toimi"). Each word matches a token that
// starts with it; "=word" must match the whole token; "*part" may appear
// anywhere in the token (German and Finnish compounds: "*rechnung" matches
// "Stromrechnung"). Matching is on lower-cased text without diacritics.

// concept is one entry of the lexicon.
type concept struct {
	name  string
	about string   // what the concept is, for explanations
	terms []string // one string per language, entries separated by '|'
}

var lexicon = []concept{
	// — billing —
	{"invoice", "an invoice", []string{
		"invoice|=bill|=bills|billing|statement of account|=billed|receipt",
		"lasku|laskut|laskun|*laskussa|*laskulla|*laskulle|*laskutus|*lasku|e-lasku|kuitti|kuitin",
		"faktura|fakturan|fakturor|räkning|*fakturan|*faktura|kvitto",
		"rechnung|*rechnung|abrechnung|*abrechnung|quittung|=beleg",
		"facture|facturation|facturé|=factures|=reçu|justificatif",
	}},
	{"charge", "a charge", []string{
		"charged|=charge|=charges|debited|deducted|taken from my account|overcharged|double charged|charged twice|billed twice|twice",
		"veloitet|veloitus|veloitti|veloittaneet|*veloitus|peritty|perittiin|laskutettu|laskutettiin|kahdesti|kaksi kertaa|tuplaveloitus|ylimääräinen",
		"debiter|debiterad|debiterats|dragit|drog|dragits|dubbeldebiter|två gånger|dubbelt|extra avgift",
		"abgebucht|abbuchung|*abbuchung|belastet|berechnet|doppelt|zweimal|*gebühr",
		"débité|débitée|prélevé|prélèvement|facturé deux fois|deux fois|en double|surfacturé",
	}},
	{"refund", "a refund", []string{
		"refund|reimburse|money back|credit note|compensation|=credit",
		"hyvitys|hyvitt|rahat takaisin|rahojen palautus|palauttakaa rahat|korvaus",
		"återbetal|pengarna tillbaka|kreditera|kreditnota|ersättning",
		"rückerstatt|erstatten|erstattung|gutschrift|geld zurück|rückzahlung",
		"rembours|avoir|dédommag|geste commercial",
	}},
	{"payment", "a payment", []string{
		"payment|=pay|=paid|paying|credit card|debit card|=card|direct debit|bank transfer|paypal|klarna",
		"maksu|maksa|maksoin|maksettu|maksun|*maksu|kortti|korttimaksu|luottokort|suoraveloitus|tilisiirto|e-lasku|mobilepay",
		"betalning|betala|betalat|betalade|kort|kortet|kreditkort|autogiro|swish|bankgiro|överföring",
		"zahlung|*zahlung|bezahl|gezahlt|karte|kreditkarte|lastschrift|überweisung|überwiesen|paypal",
		"paiement|payer|payé|réglé|règlement|carte bancaire|carte|prélèvement automatique|virement",
	}},
	{"amount", "an amount of money", []string{
		"amount|=fee|=fees|=vat|=eur|=euro|=euros|=usd|=sek|price increase|=€|=$|=£|price went up|raised the price|price has gone up",
		"summa|=euroa|=eur|=alv|hinnankorotus|kuukausimaksu|=€|hinta nousi|nostitte hintaa|hinnan nousu",
		"belopp|avgift|=kr|=kronor|=sek|=moms|prishöjning|månadsavgift|=€|höjt priset|priset har höjts|prishöjningen",
		"betrag|gebühr|=euro|=eur|=mwst|preiserhöhung|monatsgebühr|=€|preis erhöht|preis ist gestiegen",
		"montant|frais|=euros|=eur|=tva|augmentation de prix|mensualité|=€|prix a augmenté|hausse de prix|augmentation du prix",
	}},
	{"payment_failure", "a payment that fails", []string{
		"declined|payment failed|payment fails|payment didn t go through|payment won t go through|can t pay|cannot pay|unable to pay|card was rejected|cut off|suspended|disconnected|overdue|debt collection|final notice",
		"maksu epäonnistui|maksu ei mene läpi|ei mene läpi|hylättiin|hylätty|en pysty maksamaan|ei voi maksaa|katkaistaan|katkaistu|suljetaan|suljettu|perintä|maksumuistutus|karhu",
		"nekades|nekad|avvisades|betalningen misslyckades|gick inte igenom|går inte igenom|kan inte betala|stängs av|stängdes av|spärrad|inkasso|betalningspåminnelse",
		"abgelehnt|zahlung fehlgeschlagen|fehlgeschlagen|geht nicht durch|kann nicht bezahlen|gesperrt|abgeschaltet|abgeklemmt|mahnung|inkasso",
		"refusé|paiement échoué|échec du paiement|ne passe pas|passe pas|impossible de payer|coupé|suspendu|relance|recouvrement|mise en demeure",
	}},
	// — technical —
	{"not_working", "something that does not work", []string{
		"not working|doesn t work|does not work|isn t working|stopped working|won t work|broken|won t|can t|cannot|unable|fails|failing|crash|freez|stuck|not loading|doesn t load",
		"ei toimi|eivät toimi|lakannut toimimasta|rikki|kaatuu|kaatui|jumittaa|jumissa|ei onnistu|en pysty|ei pysty|ei aukea|ei lataudu|ei käynnisty|en saa|ei tule",
		"fungerar inte|funkar inte|slutat fungera|trasig|kraschar|hänger sig|går inte|kan inte|startar inte|laddar inte|får inte",
		"funktioniert nicht|geht nicht|klappt nicht|kaputt|defekt|stürzt ab|abgestürzt|hängt|kann nicht|lädt nicht|startet nicht",
		"ne fonctionne pas|ne marche pas|marche pas|fonctionne plus|marche plus|en panne|cassé|plante|bloqué|impossible|n arrive pas|arrive pas|ne charge pas|ne démarre pas",
	}},
	{"error", "an error", []string{
		"error|=bug|=bugs|glitch|exception|timeout|timed out|fault",
		"virhe|*virhe|bugi|häiriö|*häiriö|vika|viallinen",
		"=fel|felet|felmeddelande|bugg|störning|*störning|felkod",
		"fehler|*fehler|fehlermeldung|=bug|störung|*störung",
		"erreur|=bug|bogue|message d erreur|dysfonctionnement|anomalie",
	}},
	{"login", "signing in", []string{
		"log in|login|logging in|sign in|signin|password|=2fa|two factor|=mfa|=sso|locked out|account locked|reset link|verification code",
		"kirjaud|kirjautu|kirjaut|salasan|tunnus|kaksivaiheinen|vahvistuskoodi|lukittu",
		"logga in|inloggning|lösenord|tvåfaktor|bankid|utelåst|verifieringskod",
		"anmelden|anmeldung|einlogg|=login|passwort|kennwort|gesperrt|zwei faktor|bestätigungscode",
		"connecter|connexion|mot de passe|identifiant|authentification|code de vérification|bloqué",
	}},
	{"connectivity", "the connection or network", []string{
		"internet|broadband|wifi|=wi fi|router|modem|connection|network|signal|coverage|=0g|fibre|fiber|speed|=slow|roaming|=sim|esim|sim card|=call|=calls",
		"netti|*netti|laajakaista|reititin|modeemi|yhteys|*yhteys|verkko|kuuluvuus|kenttä|hidas|hitaasti|valokuitu|=wifi|sim kortti|=sim|roaming|puhelu",
		"=internet|bredband|router|=wifi|uppkoppling|nätet|täckning|långsam|fiber|simkort|=sim|samtal|roaming",
		"=internet|router|=wlan|=wifi|verbindung|netz|empfang|langsam|glasfaser|sim karte|=sim|anruf|roaming",
		"=internet|=box|=wifi|connexion|réseau|débit|=lent|=lente|fibre|carte sim|=sim|appel|itinérance|roaming",
	}},
	{"software", "the software or its setup", []string{
		"=api|integration|=app|update|version|install|configur|settings|export|import|=sync|webhook|browser|dashboard|plugin|=csv",
		"sovellus|=äppi|päivity|asetuks|asenn|integraat|vienti|tuonti|selain|=api|=csv",
		"appen|=app|uppdater|inställning|installer|integration|export|import|webbläsare|=api|=csv",
		"=app|aktualisier|=update|einstellung|installier|schnittstelle|export|import|browser|=api|=csv",
		"application|appli|mise à jour|paramètre|réglage|installer|intégration|export|import|navigateur|=api|=csv",
	}},
	{"outage", "a service outage", []string{
		"outage|is down|are down|went down|everything is down|completely down|service down|nobody can|no one can|none of|all users|all our|whole team|whole company|production|offline|entire",
		"katko|*katko|alhaalla|nurin|poikki|pimeänä|ei kukaan|kukaan ei|koko firma|koko yritys|kaikki käyttäjät|tuotanto|*tuotanto|kaikilla",
		"avbrott|*avbrott|ligger nere|är nere|nere|ingen kan|ingen av|alla användare|hela företaget|hela kontoret|produktion|*produktion|alla våra",
		"ausfall|*ausfall|=down|komplett|niemand kann|keiner kann|alle nutzer|alle mitarbeiter|ganze firma|produktion|stillstand|alle unsere",
		"hors service|en panne|panne générale|personne ne peut|tous les utilisateurs|toute l équipe|toute l entreprise|production|indisponible|tous nos",
	}},
	{"security", "a security issue", []string{
		"hacked|hack|breach|phishing|suspicious|unauthori|fraud|stolen|compromised|data leak|leaked|someone logged|logged into my|scam|malware|virus|impersonat|security|=accessed by",
		"hakkeroi|hakkeri|murrettu|murto|tietojenkalastelu|kalastelu|epäilyttävä|epäilyttäv|huijausviesti|tietovuoto|luvaton|luvatta|varastettu|varastettiin|joku kirjautui|kaapattu|tietoturva|*tietoturva",
		"hackad|hackat|kapad|kapat|nätfiske|misstänkt|bedrägeri|bedräger|dataintrång|intrång|obehörig|stulen|stulits|läckt|läcka|någon loggade|säkerhet|*säkerhet",
		"gehackt|hacker|phishing|verdächtig|betrug|datenleck|datenpanne|unbefugt|gestohlen|kompromittiert|jemand hat sich|eingeloggt|gefälscht|sicherheit|*sicherheit",
		"piraté|piratage|hameçonnage|phishing|suspect|fraude|frauduleu|fuite de données|fuite|non autorisé|volé|quelqu un s est connecté|usurpation|sécurité",
	}},
	// — sales —
	{"quote", "a price or quote request", []string{
		"quote|quotation|=offer|proposal|pricing|price list|how much|=cost|=costs|=price|=prices|estimate",
		"tarjous|*tarjous|hinta|*hinta|hinnasto|paljonko|mitä maksaa|kustannu|hinnoittelu",
		"offert|=pris|=priset|prislista|vad kostar|kostar|erbjudande|prisuppgift",
		"angebot|*angebot|=preis|preise|preisliste|was kostet|kostet|kosten|kostenvoranschlag",
		"devis|tarif|=prix|combien|=offre|proposition commerciale|coûte|grille tarifaire",
	}},
	{"buy", "buying or upgrading", []string{
		"=buy|buying|purchase|order more|upgrade|add seats|=seats|licen|=plan|enterprise|more users|switch to|expand|additional users|bulk order",
		"ostaa|ostaisimme|ostaisin|hankki|päivittää|päivitys isompaan|lisenssi|*lisenssi|käyttäjää|paketti|*paketti|lisää käyttäjiä|laajent|tilata",
		"köpa|köpa till|beställa|uppgrader|licens|platser|paket|*paketet|fler användare|utöka|abonnemang",
		"kaufen|bestellen|upgrade|lizenz|*lizenz|plätze|paket|*paket|weitere nutzer|mehr nutzer|erweitern|tarif",
		"acheter|commander|passer à|licence|utilisateurs supplémentaires|forfait|abonnement|offre pro|étendre|=pack",
	}},
	{"demo", "a demo or trial", []string{
		"=demo|demonstration|=trial|free trial|presentation|webinar|meeting|walkthrough",
		"=demo|esittely|kokeilu|koekäyttö|palaveri|tapaaminen|webinaari",
		"=demo|demonstration|visning|provperiod|testperiod|möte|genomgång",
		"=demo|vorführung|testversion|testphase|termin|präsentation|webinar",
		"démo|démonstration|=essai|période d essai|rendez vous|présentation|webinaire",
	}},
	{"discount", "a discount", []string{
		"discount|rebate|cheaper|volume pricing|annual plan|yearly|nonprofit|non profit|student|promo code|coupon|voucher",
		"alennus|*alennus|halvempi|halvemmalla|vuosisopimus|vuosilaskutus|kampanja|alekoodi|etukoodi|lahjakortti",
		"rabatt|billigare|årsavtal|årsvis|kampanj|rabattkod|presentkort",
		"rabatt|günstiger|jahresvertrag|jährlich|aktion|gutschein|rabattcode",
		"remise|réduction|moins cher|annuel|promotion|code promo|bon d achat|coupon",
	}},
	{"partnership", "a partnership", []string{
		"partner|reseller|collaboration|wholesale|affiliate|distributor|supplier|vendor",
		"kumppan|jälleenmyyjä|yhteistyö|tukku|jakelija|toimittajaksi|alihankkija",
		"partner|återförsäljare|samarbete|grossist|leverantör",
		"partner|wiederverkäufer|händler|kooperation|zusammenarbeit|großhandel|lieferant",
		"partenaire|revendeur|partenariat|collaboration|distributeur|fournisseur",
	}},
	// — general —
	{"contact_details", "contact details or opening hours", []string{
		"opening hours|are you open|address|phone number|email address|contact details|moved|moving|change my name|=name",
		"aukiolo|osoite|*osoite|muutto|muutin|muutan|yhteystied|puhelinnumero|sähköposti|nimenmuutos",
		"öppettid|adress|*adress|flyttat|flyttar|flytt|kontaktuppgift|telefonnummer|e post|namnbyte",
		"öffnungszeit|adresse|*adresse|umgezogen|umzug|kontaktdaten|telefonnummer|e mail adresse|namensänderung",
		"horaire|adresse|déménag|coordonnées|numéro de téléphone|adresse e mail|changement de nom",
	}},
	{"privacy", "personal data or privacy", []string{
		"=gdpr|personal data|delete my data|delete my account|privacy|data request|my data|unsubscribe|newsletter",
		"=gdpr|henkilötie|tietosuoja|poistakaa tietoni|poista tietoni|tietojeni|uutiskirje",
		"=gdpr|personuppgift|radera mina|integritet|mina uppgifter|nyhetsbrev|avregistrera",
		"dsgvo|personenbezogen|datenschutz|meine daten|daten löschen|newsletter|abmelden",
		"=rgpd|données personnelles|confidentialité|mes données|supprimer mes|newsletter|désinscri",
	}},
	{"job", "a job application", []string{
		"=job|position|application|=cv|resume|internship|vacanc|hiring|work for you",
		"työpaik|työhakemus|hakemus|harjoittel|ansioluettelo|rekrytointi|töihin",
		"=jobb|tjänst|ansökan|=cv|praktik|lediga|jobba hos",
		"stelle|bewerbung|lebenslauf|praktikum|karriere|arbeiten bei",
		"emploi|=poste|candidature|=cv|=stage|recrutement|travailler chez",
	}},
	{"feedback", "feedback or a suggestion", []string{
		"feedback|suggestion|suggest|=idea|would be nice|would be great if|it would be|small thing|minor|=typo|just wanted|just a note|by the way|wish list|feature request",
		"palaute|palautetta|ehdotus|ehdottaisin|idea|olisi kiva|olisi hyvä|olisi mukava|pieni juttu|pikkujuttu|kirjoitusvirhe|halusin vain|kunhan|toive",
		"feedback|förslag|föreslå|=idé|vore bra|vore kul|skulle vara bra|liten sak|småsak|stavfel|ville bara|önskemål|tips",
		"feedback|rückmeldung|vorschlag|anregung|=idee|wäre schön|wäre toll|wäre gut|kleinigkeit|tippfehler|wollte nur|wunsch",
		"retour|avis|suggestion|suggère|=idée|serait bien|serait top|serait génial|petit détail|détail|faute de frappe|voulais juste|souhait",
	}},
	{"praise", "thanks or praise", []string{
		"thank|thanks|=thx|great|excellent|amazing|=love|awesome|happy|helpful|fantastic|wonderful|brilliant|perfect|appreciate|well done|kudos|=👍|=🙏|=😊|=🙂|=❤",
		"kiitos|kiitti|kiitoksia|loistava|mahtava|erinomai|ihana|tyytyväi|kiva|huippu|upea|hieno|arvostan|=👍|=🙏|=😊|=🙂|=❤",
		"=tack|tacksam|toppen|jättebra|fantastisk|utmärkt|nöjd|underbar|grym|superbra|strålande|uppskattar|=👍|=🙏|=😊|=🙂|=❤",
		"danke|vielen dank|toll|=super|ausgezeichnet|hervorragend|zufrieden|klasse|großartig|wunderbar|prima|perfekt|=👍|=🙏|=😊|=🙂|=❤",
		"merci|génial|excellent|=super|parfait|ravi|satisfait|formidable|bravo|top|génial|=👍|=🙏|=😊|=🙂|=❤",
	}},
	// — priority cues —
	{"escalation", "an escalation", []string{
		"manager|supervisor|complaint|formal complaint|cancel|terminate|lawyer|legal action|ombudsman|consumer|escalat|switch provider|leave you|go to a competitor|chargeback",
		"esimie|esihenkilö|reklamaatio|valitus|irtisan|peruu|perua|peruttu|kuluttaja|lakimie|oikeuteen|vaihdan operaattoria|vaihdan palveluntarjoajaa|kilpailija",
		"=chef|chefen|klagomål|reklamation|säga upp|sägs upp|avsluta|advokat|anmäla|konsumentverket|=arn|byta operatör|konkurrent",
		"vorgesetzt|beschwerde|kündig|anwalt|rechtliche schritte|verbraucherzentrale|eskalier|schlichtungsstelle|anbieter wechseln|konkurrenz",
		"responsable|réclamation|plainte|résili|avocat|litige|médiateur|poursuite|changer d opérateur|concurrent|=ufc",
	}},
	{"urgency", "time pressure", []string{
		"urgent|=asap|immediately|right now|emergency|critical|today|deadline|as soon as possible",
		"kiire|kiireelli|heti|välittömästi|tänään|pikaisesti|hätä|kriittinen|mahdollisimman pian",
		"brådskande|bråttom|omedelbart|=idag|=i dag|snarast|akut|kritisk|så snart som möjligt",
		"dringend|sofort|umgehend|=heute|eilig|notfall|kritisch|so schnell wie möglich",
		"urgent|urgence|immédiatement|aujourd hui|au plus vite|dès que possible|critique|tout de suite",
	}},
	{"impact", "business impact", []string{
		"customers|can t work|cannot work|losing money|revenue|clients|our business|blocking|blocked|sales are",
		"asiakkaat|asiakkaamme|emme voi tehdä|ei voi tehdä töitä|menetämme|myynti|liiketoimin|estää",
		"kunder|kunderna|kan inte jobba|kan inte arbeta|förlorar|försäljning|verksamhet|blockerar",
		"kunden|können nicht arbeiten|verlieren|umsatz|geschäft|blockiert",
		"clients|ne pouvons pas travailler|peut pas travailler|perdons|chiffre d affaires|activité|bloque",
	}},
	// — sentiment cues —
	{"repetition", "repeated contact or waiting", []string{
		"=again|=still|third time|second time|several times|many times|how many times|already|waiting|=weeks|=days|nobody answers|no response|no reply|no one replied|tried everything|every time|=sigh|seriously",
		"taas|=jälleen|vieläkään|edelleen|kolmatta kertaa|toista kertaa|monta kertaa|useamman kerran|=jo|odottanut|odotan|viikko|päivää|kukaan ei vastaa|ei vastausta|kokeillut kaikkea|joka kerta|huoh|oikeesti|oikeasti",
		"igen|fortfarande|tredje gången|andra gången|flera gånger|många gånger|=redan|väntat|väntar|veckor|dagar|ingen svarar|inget svar|provat allt|varje gång|suck|seriöst",
		"schon wieder|=wieder|immer noch|noch immer|dritte mal|zweite mal|mehrmals|mehrfach|=bereits|=schon|warte|wochen|=tagen|niemand antwortet|keine antwort|alles versucht|jedes mal|seufz|ernsthaft",
		"encore|toujours pas|toujours|troisième fois|deuxième fois|plusieurs fois|=déjà|attends|semaines|=jours|personne ne répond|aucune réponse|tout essayé|chaque fois|marre|sérieusement",
	}},
	{"hostility", "hostile words", []string{
		"unacceptable|ridiculous|scandal|outrageous|disgrace|=scam|thieves|incompetent|=joke|worst|furious|fed up|=wtf|shame on|useless|pathetic|disgusting|rip off|ripoff|absurd",
		"käsittämätön|törkeä|törkeää|naurettava|pöyristyttä|huijari|kusetus|surkea|paska|vittu|hävytön|hävytöntä|ala-arvoinen|raivo|järkyttävä|uskomatonta",
		"oacceptabel|skandal|löjlig|bedragare|inkompetent|sämsta|=skämt|förbannad|=skit|skandalös|värdelös|vidrig|absurt|fräckt|arg",
		"unverschämt|inakzeptabel|frechheit|skandal|lächerlich|betrüger|inkompetent|sauerei|unfassbar|wütend|abzocke|katastrophe|zumutung|nutzlos|unmöglich",
		"inadmissible|inacceptable|scandal|honteu|ridicule|escroc|voleur|incompétent|=nul|n importe quoi|furieux|arnaque|lamentable|inadmissible|honte",
	}},
	{"disappointment", "disappointment", []string{
		"disappoint|unfortunately|not happy|unhappy|=poor|=bad|expected better|=sadly|not satisfied|dissatisfied|let down|a pity",
		"pettynyt|pettymys|valitettavasti|harmi|huono|ikävä|en ole tyytyväinen|tyytymätön|olisin odottanut",
		"besviken|besvikelse|tyvärr|dålig|tråkigt|missnöjd|inte nöjd|hade förväntat",
		"enttäuscht|enttäuschung|=leider|schade|schlecht|unzufrieden|nicht zufrieden|hätte erwartet",
		"déçu|déception|malheureusement|dommage|mauvais|mécontent|pas satisfait|aurais attendu",
	}},
	{"politeness", "a polite request", []string{
		"please|could you|would you|kind regards|best regards|=regards|=hello|=hi|=dear",
		"voisitte|voisitko|ystävällisin terveisin|=terveisin|=hei|moi|=moikka|pyytäisin",
		"vänliga hälsningar|=hälsningar|=mvh|kan ni|skulle ni|=hej|snälla",
		"=bitte|könnten sie|könntest du|freundlichen grüßen|=grüße|=gruß|=lg|=hallo|sehr geehrte|=moin",
		"merci de|pourriez vous|pourrais tu|cordialement|=bonjour|=salut|bien à vous|svp|s il vous plaît",
	}},
	{"question", "a how-to question", []string{
		"how do i|how can i|how to|where can|where do|is it possible|can i|do you|what is|when will|=wondering",
		"miten|kuinka|mistä|onko mahdollista|voiko|voinko|saako|onko teillä|milloin|=mikä",
		"=hur|hur gör jag|var hittar|går det att|kan jag|har ni|vad är|när kommer|undrar",
		"=wie|wie kann ich|wo finde|ist es möglich|kann ich|haben sie|was ist|wann|frage mich",
		"comment|où trouver|est il possible|puis je|est ce que|avez vous|quand|je me demande",
	}},
}
