package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

/**
 * Every class of mistake in a policy file gives a {@link PolicyException} that names the file, the
 * line and column of the offending text, the field, what is wrong and what would be right.
 */
class PolicyErrorsTest {

  /** The error {@code yaml} gives; asserts it is located as stated and reads as stated. */
  private static PolicyException assertError(
      String yaml, int line, int column, String field, String problem) {
    PolicyException e =
        catchThrowableOfType(PolicyException.class, () -> PolicyFiles.parse(yaml, "policy.yaml"));
    assertThat(e).as("a PolicyException for:%n%s", yaml).isNotNull();
    assertThat(e.source()).isEqualTo("policy.yaml");
    assertThat(e.problem()).isEqualTo(problem);
    assertThat(e.field()).isEqualTo(field);
    assertThat(new int[] {e.line(), e.column()})
        .as("line and column")
        .containsExactly(line, column);
    assertThat(e.getMessage())
        .isEqualTo(
            "policy.yaml:"
                + line
                + ":"
                + column
                + ": "
                + (field.isEmpty() ? "" : field + ": ")
                + problem);
    return e;
  }

  // --- fields -------------------------------------------------------------------------------

  @Test
  void unknownTopLevelField_namesNearestValidField() {
    assertError(
        "heders: x-ratelimit\nglobal: {limits: 100/minute}\n",
        1,
        1,
        "heders",
        "unknown field 'heders'; did you mean 'headers'?");
  }

  @Test
  void unknownRuleField_namesNearestValidField() {
    assertError(
        """
        rules:
          - name: verify
            rout: POST /auth/verify
            limits: 5/lifetime
        """,
        3,
        5,
        "rules[0].rout",
        "unknown field 'rout'; did you mean 'route'?");
  }

  @Test
  void unknownFieldFarFromAnyValidOne_listsTheValidFields() {
    assertError(
        "global: {limits: 1/second, window: 60}\n",
        1,
        28,
        "global.window",
        "unknown field 'window'; the fields here are limits, key, algorithm, cost,"
            + " on-missing-key, shadow");
  }

  @Test
  void fieldInTheWrongPlace_saysWhereItBelongs() {
    assertError(
        "limits: [100/minute]\n",
        1,
        1,
        "limits",
        "'limits' goes in global: (limits on every request) or in a rule of rules:");
    assertError(
        "global:\n  route: /api/**\n  limits: 1/second\n",
        2,
        3,
        "global.route",
        "the global limits apply to every request, so they have no route; put endpoint limits"
            + " under rules:");
  }

  @Test
  void repeatedField_namesTheFirst() {
    assertError(
        "headers: ietf\nglobal: {limits: 1/second}\nheaders: none\n",
        3,
        1,
        "headers",
        "field 'headers' is given twice (first on line 1); keep one");
  }

  @Test
  void missingRequiredField_saysWhatToWrite() {
    assertError(
        "rules:\n  - name: verify\n    limits: 5/lifetime\n",
        2,
        5,
        "rules[0]",
        "missing field 'route': say which requests the rule covers, e.g."
            + " route: POST /auth/verify");
    assertError(
        "global:\n  key: ip\n",
        2,
        3,
        "global",
        "missing field 'limits': write at least one limit, e.g. limits: 100/minute");
  }

  // --- types --------------------------------------------------------------------------------

  @Test
  void listWhereAStringIsExpected_saysWhatWasFound() {
    assertError(
        """
        rules:
          - route: [GET /assets, POST /assets]
            limits: 10/hour
        """,
        2,
        12,
        "rules[0].route",
        "expected a route such as 'POST /auth/verify' or '/health', found a list");
  }

  @Test
  void stringWhereAListOfRulesIsExpected_saysHowRulesAreWritten() {
    assertError(
        "rules: GET /a\n",
        1,
        8,
        "rules",
        "expected a list of rules, each starting with '- route: ...', found 'GET /a'");
  }

  @Test
  void ruleThatIsNotAMapping_saysWhatARuleIs() {
    assertError(
        "rules:\n  - GET /a\n",
        2,
        5,
        "rules[0]",
        "expected a rule (a mapping with route: and limits:), found 'GET /a'");
  }

  @Test
  void emptyValue_isNotTakenForADefault() {
    assertError(
        "headers:\nglobal: {limits: 1/second}\n",
        1,
        9,
        "headers",
        "expected one of x-ratelimit, ietf, both, none, found nothing (an empty value)");
  }

  @Test
  void notTrueOrFalse_forAFlag() {
    assertError(
        "reset-header: yes\nglobal: {limits: 1/second}\n",
        1,
        15,
        "reset-header",
        "expected true or false, found 'yes'");
  }

  // --- enumerations -------------------------------------------------------------------------

  @Test
  void badHeaderDialect_listsTheValidOnes() {
    assertError(
        "headers: x-rate\nglobal: {limits: 1/second}\n",
        1,
        10,
        "headers",
        "unknown header dialect 'x-rate'; did you mean 'x-ratelimit'?"
            + " valid: x-ratelimit, ietf, both, none");
  }

  @Test
  void badStoreFailureMode_listsTheValidOnes() {
    assertError(
        "on-store-failure: opn\nglobal: {limits: 1/second}\n",
        1,
        19,
        "on-store-failure",
        "unknown store failure mode 'opn'; did you mean 'open'? valid: open, closed, local");
  }

  @Test
  void badPathMatching_listsTheValidOnes() {
    assertError(
        "paths: case-insensitve\nglobal: {limits: 1/second}\n",
        1,
        8,
        "paths",
        "unknown path matching 'case-insensitve'; did you mean 'case-insensitive'?"
            + " valid: case-sensitive, case-insensitive");
  }

  @Test
  void routeSegmentThatIsNotCanonical_isRefused_sayingHowItReads() {
    assertError(
        "rules: [{route: POST /auth/magic%2Dlink, limits: 1/second}]\n",
        1,
        17,
        "rules[0].route",
        "bad route 'POST /auth/magic%2Dlink': segment 'magic%2Dlink' in '/auth/magic%2Dlink'"
            + " can never match: request paths are matched in canonical form, where it reads"
            + " 'magic-link'");
  }

  @Test
  void trustedProxyThatIsAHostName_isRefusedAtItsEntry() {
    assertError(
        "trusted-proxies: [10.0.0.0/8, lb.internal]\nglobal: {limits: 1/second}\n",
        1,
        31,
        "trusted-proxies[1]",
        "'lb.internal' is not an IP address or CIDR block (write 10.0.0.0/8,"
            + " 192.168.1.7 or 2001:db8::/32; host names are not accepted)");
  }

  @Test
  void tierLimitsForAnUnknownRule_nameTheNearestRule() {
    assertError(
        "tiers:\n  pro:\n    limits: {serch: 5/minute}\nglobal: {limits: 1/second}\n"
            + "rules: [{name: search, route: /s, limits: 1/second}]\n",
        3,
        14,
        "tiers.pro.limits.serch",
        "unknown field 'serch'; did you mean 'search'?");
  }

  @Test
  void tierScaleThatIsNotANumber_isRefused() {
    assertError(
        "tiers: {pro: {scale: lots}}\nglobal: {limits: 1/second}\n",
        1,
        22,
        "tiers.pro.scale",
        "expected a number such as 5 or 2.5, found 'lots'");
  }

  @Test
  void webhookThresholdsOutOfOrder_areRefusedAtTheWebhook() {
    assertError(
        "webhooks:\n  - {url: 'https://h.example/x', thresholds: [100, 80], secret-env: S}\n"
            + "global: {limits: 1/second}\n",
        2,
        5,
        "webhooks[0]",
        "thresholds must ascend without repeats, e.g. [80, 100]");
  }

  @Test
  void webhookWithoutSecret_saysWhereTheSecretGoes() {
    assertError(
        "webhooks:\n  - {url: 'https://h.example/x', thresholds: 80}\n"
            + "global: {limits: 1/second}\n",
        2,
        5,
        "webhooks[0]",
        "missing field 'secret-env': name the environment variable holding the signing secret,"
            + " e.g. secret-env: SLUICE_WEBHOOK_SECRET");
  }

  @Test
  void badDenialFormat_listsTheValidOnes() {
    assertError(
        "denial: json\nglobal: {limits: 1/second}\n",
        1,
        9,
        "denial",
        "unknown denial format 'json'; valid: detail, error-code, problem");
  }

  @Test
  void badAlgorithm_namesTheNearestOne() {
    assertError(
        "global: {algorithm: slidng, limits: 1/second}\n",
        1,
        21,
        "global.algorithm",
        "unknown algorithm 'slidng'; did you mean 'sliding'? valid: fixed, sliding,"
            + " token-bucket");
  }

  @Test
  void badOnMissingKey_listsTheValidOnes() {
    assertError(
        "global: {on-missing-key: ignore, limits: 1/second}\n",
        1,
        26,
        "global.on-missing-key",
        "unknown on-missing-key value 'ignore'; valid: reject, skip");
  }

  // --- limits -------------------------------------------------------------------------------

  @Test
  void unknownWindow_namesTheNearestAndListsTheValidOnes() {
    assertError(
        "global:\n  limits: [100/minute, 100/minit]\n",
        2,
        24,
        "global.limits[1]",
        "unknown window 'minit' in '100/minit'; did you mean 'minute'? a window is second,"
            + " minute, hour, day, week, lifetime or a duration such as 15m, 1h, 250ms");
  }

  @Test
  void zeroPermits_isRefused() {
    assertError(
        "global:\n  limits: 0/minute\n",
        2,
        11,
        "global.limits",
        "'0/minute' allows no request at all; a limit allows at least 1 request per window");
  }

  @Test
  void notANumber_isRefused() {
    assertError(
        "global:\n  limits: abc/minute\n",
        2,
        11,
        "global.limits",
        "'abc' in 'abc/minute' is not a number of requests; write N/WINDOW with N a whole"
            + " number, e.g. 100/minute or 10_000/day");
  }

  @Test
  void tooManyPermits_givesTheCeiling() {
    assertError(
        "global:\n  limits: 3_000_000_000/day\n",
        2,
        11,
        "global.limits",
        "'3_000_000_000/day' allows too many requests; at most 2,147,483,647 per window");
  }

  @Test
  void numberWithoutWindow_asksForOne() {
    assertError(
        "global: {limits: 100}\n",
        1,
        18,
        "global.limits",
        "'100' has no window; write N/WINDOW, e.g. 100/minute");
  }

  @Test
  void thousandsCommaInsideFlowList_explainsTheSplit() {
    assertError(
        "global: {limits: [1,000/minute]}\n",
        1,
        19,
        "global.limits[0]",
        "'1' has no window; write N/WINDOW, e.g. 100/minute (inside [ ], a ',' separates"
            + " items: write 1_000/minute or quote the limit)");
  }

  @Test
  void severalLimitsInOneString_asksForAList() {
    assertError(
        "global:\n  limits: 100/minute, 1000/hour\n",
        2,
        11,
        "global.limits",
        "'100/minute, 1000/hour' holds several limits; write them as a list:"
            + " [100/minute, 1000/hour]");
  }

  @Test
  void algorithmInShorthand_pointsToTheLongForm() {
    assertError(
        "global:\n  limits: 100/minute sliding\n",
        2,
        11,
        "global.limits",
        "'100/minute sliding': an algorithm goes in the long form:"
            + " {limit: 100/minute, algorithm: sliding}");
  }

  @Test
  void zeroLengthWindow_isRefused() {
    assertError(
        "global: {limits: 10/0s}\n",
        1,
        18,
        "global.limits",
        "the window of '10/0s' is shorter than 1ms; a window lasts at least 1ms");
  }

  @Test
  void emptyLimits_areRefused() {
    assertError(
        "global: {limits: []}\n",
        1,
        18,
        "global.limits",
        "an empty list limits nothing; give at least one limit, e.g. 100/minute");
  }

  @Test
  void explicitAlgorithmOnALifetimeLimit_isRefused() {
    assertError(
        """
        global:
          limits:
            - {limit: 5/lifetime, algorithm: token-bucket}
        """,
        3,
        38,
        "global.limits[0].algorithm",
        "a lifetime budget never refills, so it is always a plain counter;"
            + " remove 'algorithm: token-bucket' (or write 'fixed')");
  }

  @Test
  void burstOnANonTokenBucketLimit_isRefused() {
    assertError(
        "global:\n  limits: [{limit: 5/second, burst: 10}]\n",
        2,
        37,
        "global.limits[0].burst",
        "burst applies only to token-bucket limits, and this one counts with 'fixed';"
            + " add algorithm: token-bucket or remove 'burst:'");
  }

  @Test
  void badLimitName_saysWhatANameMayHold() {
    assertError(
        "global:\n  limits: [{limit: 5/second, name: 'per user'}]\n",
        2,
        36,
        "global.limits[0].name",
        "limit name 'per user' must be 1 to 64 letters, digits, '.', '_' or '-'");
  }

  @Test
  void coreRefusal_isLocatedAtTheLimit() {
    // Core refuses a token bucket whose burst banks more than 70,000 years of credit.
    PolicyException e =
        assertError(
            """
            global:
              limits:
                - {limit: 1/36500d, algorithm: token-bucket, burst: 2147483647}
            """,
            3,
            7,
            "global.limits[0]",
            "burst 2147483647 at 1/36500d would bank more than 70,000 years of credit; lower the"
                + " burst or shorten the window");
    assertThat(e.getCause()).isNull();
  }

  @Test
  void badRetention_saysHowToWriteADuration() {
    assertError(
        "lifetime-retention: 30\nglobal: {limits: 5/lifetime}\n",
        1,
        21,
        "lifetime-retention",
        "'30' is not a duration (it has no unit); write a number and a unit: 30d, 12h, 15m,"
            + " 10s, 250ms");
    assertError(
        "lifetime-retention: 0s\nglobal: {limits: 5/lifetime}\n",
        1,
        21,
        "lifetime-retention",
        "a lifetime retention must be at least 1s, got PT0S");
  }

  // --- names --------------------------------------------------------------------------------

  @Test
  void duplicateLimitNames_pointAtTheSecondAndNameTheFirst() {
    assertError(
        """
        global:
          limits: [100/minute, 1000/hour]
        rules:
          - {name: hour, route: GET /a, limits: 10/hour}
        """,
        4,
        41,
        "rules[0].limits",
        "limit name 'hour' is already used by global.limits[1] (line 2); limit names show in"
            + " headers and must be unique, so name this one, e.g."
            + " {limit: 10/hour, name: hour-2}");
  }

  @Test
  void duplicateRuleNames_pointAtTheSecondAndNameTheFirst() {
    assertError(
        """
        rules:
          - {name: assets, route: GET /assets, limits: 100/minute}
          - {name: assets, route: POST /assets, limits: 10/hour}
        """,
        3,
        12,
        "rules[1].name",
        "rule name 'assets' is already used by rules[0] (line 2); give each rule its own"
            + " name");
  }

  @Test
  void duplicateDerivedRuleNames_askForAName() {
    assertError(
        """
        rules:
          - {route: GET /a, key: ip, limits: 1/second}
          - {route: GET /a, key: bearer, limits: 9/second}
        """,
        3,
        13,
        "rules[1].route",
        "rule name 'get-a' (made from the route) is already used by rules[0] (line 2);"
            + " tell the two rules apart with name: ...");
  }

  @Test
  void badRuleName_saysWhatANameMayHold() {
    assertError(
        "rules:\n  - {name: 'magic link', route: GET /a, limits: 1/second}\n",
        2,
        12,
        "rules[0].name",
        "rule name 'magic link' must be 1 to 64 letters, digits, '.', '_' or '-'");
  }

  // --- routes -------------------------------------------------------------------------------

  @Test
  void unknownMethod_namesTheNearest() {
    assertError(
        "rules:\n  - {route: GTE /assets, limits: 1/second}\n",
        2,
        13,
        "rules[0].route",
        "unknown HTTP method 'GTE' in route 'GTE /assets'; did you mean 'GET'? valid: GET,"
            + " HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, CONNECT");
  }

  @Test
  void pathWithoutSlash_isRefused() {
    assertError(
        "rules:\n  - {route: GET assets, limits: 1/second}\n",
        2,
        13,
        "rules[0].route",
        "bad route 'GET assets': a path must start with '/', got 'assets'");
  }

  @Test
  void routeWithoutPath_explainsTheForm() {
    assertError(
        "rules:\n  - {route: GET, limits: 1/second}\n",
        2,
        13,
        "rules[0].route",
        "route 'GET' must be 'METHOD /path' or '/path' (methods, a space, then the path),"
            + " e.g. POST /auth/verify or /health");
  }

  @Test
  void badPathSegment_isRefused() {
    assertError(
        "rules:\n  - {route: 'GET /assets/{id', limits: 1/second}\n",
        2,
        13,
        "rules[0].route",
        "bad route 'GET /assets/{id': bad parameter segment '{id' in"
            + " '/assets/{id': write {name} with letters, digits or '_'");
  }

  // --- keys ---------------------------------------------------------------------------------

  @Test
  void unknownKeySource_namesTheNearest() {
    assertError(
        """
        rules:
          - name: magic-link
            route: POST /auth/magic-link
            key: bodi:email
            limits: 3/hour
        """,
        4,
        10,
        "rules[0].key",
        "unknown key source 'bodi:email'; did you mean 'body:email'?");
  }

  @Test
  void unknownKeySourceFarFromAny_listsTheForms() {
    assertError(
        "global: {key: user, limits: 1/second}\n",
        1,
        15,
        "global.key",
        "unknown key source 'user'; valid: bearer, ip, header:NAME, body:FIELD, path:PARAM,"
            + " query:NAME or const:VALUE");
  }

  @Test
  void keySourceWithoutName_showsAnExample() {
    assertError(
        "global: {key: [header, ip], limits: 1/second}\n",
        1,
        16,
        "global.key[0]",
        "'header:' needs a name after the colon, e.g. header:X-API-Key");
  }

  @Test
  void spaceAfterTheColonOfAKeySource_isExplained() {
    assertError(
        "global: {key: [header: X-API-Key, ip], limits: 1/second}\n",
        1,
        16,
        "global.key[0]",
        "write 'header:X-API-Key' with no space after the colon (YAML reads"
            + " 'header: X-API-Key' as a mapping)");
  }

  @Test
  void badHeaderName_isRefused() {
    assertError(
        "global: {key: 'header:X API Key', limits: 1/second}\n",
        1,
        15,
        "global.key",
        "'X API Key' is not a valid HTTP header name (letters, digits and -_.!#$%&'*+^`|~,"
            + " no spaces)");
  }

  @Test
  void nestedFallbackChain_isRefused() {
    assertError(
        "global: {key: [bearer, [ip]], limits: 1/second}\n",
        1,
        24,
        "global.key[1]",
        "fallback chains do not nest; list the sources flat: [header:X-API-Key, ip]");
  }

  @Test
  void pathKeyNamingAParamTheRouteLacks_namesTheRouteParams() {
    assertError(
        """
        rules:
          - route: PUT /assets/{id}
            key: path:idd
            limits: 20/hour
        """,
        3,
        10,
        "rules[0].key",
        "route '/assets/{id}' has no parameter {idd}; did you mean 'path:id'?");
    assertError(
        "rules:\n  - {route: 'GET /a/{x}/b/{y}', key: 'path:z', limits: 1/second}\n",
        2,
        38,
        "rules[0].key",
        "route '/a/{x}/b/{y}' has no parameter {z}; its parameters are" + " {x}, {y}");
  }

  @Test
  void pathKeyOnTheGlobalRule_isRefused() {
    assertError(
        "global: {key: 'path:id', limits: 1/second}\n",
        1,
        15,
        "global.key",
        "path:id reads a parameter of a rule's route, and the global rule has no route;"
            + " use path: keys only in rules");
  }

  // --- cost ---------------------------------------------------------------------------------

  @Test
  void fixedCostLargerThanALimit_isRefused() {
    assertError(
        """
        rules:
          - name: bulk
            route: POST /bulk
            cost: 5
            limits: [100/minute, 3/second]
        """,
        4,
        11,
        "rules[0].cost",
        "a request costing 5 can never pass limit 'bulk-second' (3 per second): every"
            + " request would be denied; lower the cost or raise the limit");
  }

  @Test
  void costThatIsNotAWholeNumber_showsBothForms() {
    assertError(
        "rules:\n  - {route: GET /a, cost: 1.5, limits: 10/second}\n",
        2,
        27,
        "rules[0].cost",
        "expected a whole number (cost: 5) or a number read from the request"
            + " (cost: {query: count, default: 1, max: 100}), found '1.5'");
  }

  @Test
  void costReadFromTwoPlaces_isRefused() {
    assertError(
        "rules:\n  - {route: GET /a, cost: {query: n, header: N}, limits: 9/second}\n",
        2,
        27,
        "rules[0].cost",
        "the cost is read from one place; it names query and header");
  }

  @Test
  void costDefaultAboveMax_isRefused() {
    assertError(
        "rules:\n  - {route: GET /a, cost: {query: n, default: 7, max: 5},"
            + " limits: 9/second}\n",
        2,
        47,
        "rules[0].cost.default",
        "default must be between 0 and 5, got 7");
  }

  // --- the file as a whole ------------------------------------------------------------------

  @Test
  void emptyFile_saysWhatAPolicyNeeds() {
    String problem =
        "the file is empty; a policy needs at least 'global:' limits or 'rules:',"
            + " e.g. global: {limits: [100/minute]}";
    assertError("", 1, 1, "", problem);
    assertError("# only a comment\n", 1, 1, "", problem);
  }

  @Test
  void topLevelList_isNotAPolicy() {
    assertError(
        "- 100/minute\n",
        1,
        1,
        "",
        "expected a mapping of policy fields (headers:, global:, rules:, ...), found a list");
  }

  @Test
  void policyWithoutLimits_isRefused() {
    assertError(
        "headers: none\n",
        1,
        1,
        "",
        "the policy sets no limits; add 'global:' limits (global: {limits: [100/minute]}) or"
            + " 'rules:'");
  }

  @Test
  void yamlSyntaxError_isLocatedAtSnakeYamlsMark() {
    assertError(
        "headers: x-ratelimit\n  denial: detail\n",
        2,
        9,
        "",
        "invalid YAML: mapping values are not allowed here");
    assertError(
        "global: {limits: 100/minute\n",
        2,
        1,
        "",
        "invalid YAML: while parsing a flow mapping: expected ',' or '}', but got <stream end>");
  }

  @Test
  void tabIndentation_isLocated() {
    PolicyException e =
        assertError(
            "global:\n\tlimits: 100/minute\n",
            2,
            1,
            "",
            "invalid YAML: while scanning for the next token: found character '\\t(TAB)' that"
                + " cannot start any token. (Do not use \\t(TAB) for indentation)");
    assertThat(e.getStackTrace()).isEmpty();
  }

  @Test
  void absurdlyDeepNesting_isRefusedWithoutOverflowingTheStack() {
    String deep = "global: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";

    assertError(deep, 1, 1, "", "the YAML is nested far too deeply to be a policy");
  }

  @Test
  void secondDocument_isRefused() {
    assertError(
        "global: {limits: 1/second}\n---\nglobal: {limits: 2/second}\n",
        2,
        1,
        "",
        "invalid YAML: a policy file holds one YAML document; remove the '---' that starts"
            + " another");
  }

  // --- found by hostile input ---------------------------------------------------------------

  @Test
  void listOrMappingAsAFieldName_isLocatedWhereItIsWritten() {
    assertError(
        "global: {limits: 1/second}\nrules:\n  - route: /a\n    [x]: 1\n",
        4,
        5,
        "rules[0]",
        "a field name must be a word such as 'name', found a list");
    assertError(
        "? {a: b}\n: c\n",
        1,
        3,
        "",
        "a field name must be a word such as 'headers', found a mapping");
  }

  @Test
  void windowWithTooManyDigits_saysItIsTooLong_notUnknown() {
    assertError(
        "global: {limits: [5/99999999999999999999d]}\n",
        1,
        19,
        "global.limits[0]",
        "the window of '5/99999999999999999999d' is longer than any window can be; a window"
            + " lasts at most 100 years");
  }

  @Test
  void retentionWithTooManyDigits_saysItIsTooLong_notThatItIsNoDuration() {
    assertError(
        "lifetime-retention: 99999999999999999d\nglobal: {limits: 5/lifetime}\n",
        1,
        21,
        "lifetime-retention",
        "'99999999999999999d' is longer than any duration here can be (at most 100 years)");
  }

  @Test
  void boolTagOnAWordThatIsNoBoolean_isRefused() {
    assertError(
        "global: {limits: 1/second, shadow: !!bool maybe}\n",
        1,
        36,
        "global.shadow",
        "expected true or false, found 'maybe'");
  }

  @Test
  void textOverTheSizeLimit_isRefusedWithoutBeingParsed() {
    String huge = "global: {limits: 1/second}\n# " + "x".repeat(PolicyFiles.MAX_BYTES) + "\n";

    PolicyException e =
        catchThrowableOfType(PolicyException.class, () -> PolicyFiles.parse(huge, "policy.yaml"));

    assertThat(e.getMessage())
        .isEqualTo(
            "policy.yaml: the file is larger than 1 MiB, the most a"
                + " policy file may be; is this the right file?");
  }

  @Test
  void starInARoute_isNoWildcard_andSaysWhatIs() {
    assertError(
        "rules:\n  - route: GET /api/*\n    limits: 1/second\n",
        2,
        12,
        "rules[0].route",
        "'*' in route 'GET /api/*' is no wildcard; {name} matches one segment and a final **"
            + " any remainder, e.g. GET /api/{id} or GET /api/**");
    assertError(
        "rules:\n  - route: /files*\n    limits: 1/second\n",
        2,
        12,
        "rules[0].route",
        "'files*' in route '/files*' is no wildcard; {name} matches one segment and a final **"
            + " any remainder, e.g. GET /api/{id} or GET /api/**");
  }
}
