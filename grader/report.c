#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool chapter_passed(const struct chapter_result *c)
{
    if (c->problem)
        return false;
    for (size_t i = 0; i < c->count; i++)
        if (c->tests[i].verdict.status == FAIL)
            return false;
    return true;
}

void report_totals(const struct report *r, double *score, int *max)
{
    *score = 0;
    *max = 0;
    for (size_t i = 0; i < r->count; i++) {
        *score += r->chapters[i].score;
        *max += r->chapters[i].max_score;
    }
}

struct style {
    const char *pass, *fail, *skip, *bold, *dim, *off;
};

static void print_indented(FILE *out, const char *label, const char *text, const struct style *s)
{
    if (!text || !*text)
        return;
    fprintf(out, "        %s%-9s%s", s->dim, label, s->off);
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1])
            fprintf(out, "                 ");
    }
    fputc('\n', out);
}

static const char *status_word(enum status st)
{
    return st == PASS ? "PASS" : st == FAIL ? "FAIL" : "SKIP";
}

static void print_points(FILE *out, double score, int max)
{
    if (score == (int)score)
        fprintf(out, "%3d / %d\n", (int)score, max);
    else
        fprintf(out, "%5.1f / %d\n", score, max);
}

void report_text(FILE *out, const struct report *r, bool colour)
{
    struct style s = {"", "", "", "", "", ""};
    if (colour)
        s = (struct style){"\033[32m", "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"};
    fprintf(out, "%spcw grader%s: %s (seed %llu; replay with --seed %llu)\n", s.bold, s.off,
            r->submission, r->seed, r->seed);
    const struct chapter_result *first_failed = NULL;
    for (size_t i = 0; i < r->count; i++) {
        const struct chapter_result *c = &r->chapters[i];
        fprintf(out, "\n%s%s%s %-50s", s.bold, c->chapter->dir, s.off, c->source);
        print_points(out, c->score, c->max_score);
        if (c->problem) {
            fprintf(out, "  %sFAIL%s  %s\n", s.fail, s.off, c->problem);
            print_indented(out, "compiler", c->diagnostics, &s);
        }
        for (size_t j = 0; j < c->count; j++) {
            const struct test_outcome *t = &c->tests[j];
            const struct verdict *v = &t->verdict;
            const char *colour_on = v->status == PASS ? s.pass : v->status == FAIL ? s.fail : s.skip;
            fprintf(out, "  %s%s%s  %-52s", colour_on, status_word(v->status), s.off, t->test->name);
            if (v->status == SKIP)
                fprintf(out, "  - / %d\n", t->test->points);
            else if (v->blocked_by || c->problem)
                fprintf(out, "%3d / %d  %s(not checked until '%s' passes)%s\n", 0,
                        t->test->points, s.dim, v->blocked_by ? v->blocked_by : "it builds", s.off);
            else
                print_points(out, v->score, t->test->points);
            if (v->status == FAIL && !c->problem && !v->blocked_by) {
                print_indented(out, "expected", v->expected, &s);
                print_indented(out, "found", v->found, &s);
                print_indented(out, "hint", t->test->hint, &s);
            }
            print_indented(out, "", v->note, &s);
        }
        if (!first_failed && !chapter_passed(c))
            first_failed = c;
    }
    double score;
    int max;
    report_totals(r, &score, &max);
    int skipped = 0;
    for (size_t i = 0; i < r->count; i++)
        skipped += r->chapters[i].skipped_points;
    fprintf(out, "\n%sscore: %g / %d%s", s.bold, score, max, s.off);
    if (skipped)
        fprintf(out, " (%d points skipped, not counted)", skipped);
    fprintf(out, "  [%.1f s]\n", r->seconds);
    if (first_failed) {
        const struct chapter *ch = first_failed->chapter;
        fprintf(out, "next: chapter %02d, %s\n"
                     "  read   chapters/%s/README.md\n"
                     "  edit   %s (its TODOs)\n"
                     "  check  make grade CH=%02d      hints: make hint CH=%02d\n",
                ch->number, ch->title, ch->dir, first_failed->source, ch->number, ch->number);
    } else if (r->count) {
        fprintf(out, "all graded chapters pass.\n");
    }
}

static json_t *test_json(const struct chapter_result *c, const struct test_outcome *t)
{
    const struct verdict *v = &t->verdict;
    struct buf text = {0};
    buf_add(&text, "", 0);
    if (c->problem)
        buf_printf(&text, "%s\n%s", c->problem, c->diagnostics ? c->diagnostics : "");
    if (v->expected)
        buf_printf(&text, "expected: %s\n", v->expected);
    if (v->found)
        buf_printf(&text, "found: %s\n", v->found);
    if (v->blocked_by)
        buf_printf(&text, "not checked until '%s' passes\n", v->blocked_by);
    if (v->status == FAIL && t->test->hint && !c->problem && !v->blocked_by)
        buf_printf(&text, "hint: %s\n", t->test->hint);
    if (v->note)
        buf_printf(&text, "%s\n", v->note);
    /* jansson wants UTF-8: shorten() already turned every other byte into an escape. */
    char *safe = shorten(text.data, text.len, 8000);
    char *name = xasprintf("%s: %s", c->chapter->dir, t->test->name);
    json_t *j = json_pack("{s:s, s:s, s:f, s:i, s:s, s:s, s:{s:s, s:s, s:b}}", "name", name,
                          "number", "", "score", v->score,
                          "max_score", v->status == SKIP ? 0 : t->test->points, "output", safe,
                          "visibility", "visible", "extra_data", "verdict",
                          status_word(v->status), "test_id", t->test->id, "blocked",
                          v->blocked_by != NULL || c->problem != NULL);
    if (!j)
        fatal("json_pack failed for %s", name);
    char *number = xasprintf("%d.%zu", c->chapter->number, (size_t)(t - c->tests) + 1);
    json_object_set_new(j, "number", json_string(number));
    if (v->status != SKIP)
        json_object_set_new(j, "status", json_string(v->status == PASS ? "passed" : "failed"));
    free(number);
    free(name);
    free(safe);
    buf_free(&text);
    return j;
}

static bool write_json_atomically(const char *path, json_t *root)
{
    char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
    bool ok = json_dump_file(root, tmp, JSON_INDENT(2) | JSON_ENSURE_ASCII) == 0 &&
              rename(tmp, path) == 0;
    if (!ok) {
        fprintf(stderr, "grade: writing %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok;
}

bool report_json(const char *path, const struct report *r)
{
    double score;
    int max;
    report_totals(r, &score, &max);
    json_t *tests = json_array();
    json_t *chapters = json_array();
    for (size_t i = 0; i < r->count; i++) {
        const struct chapter_result *c = &r->chapters[i];
        for (size_t j = 0; j < c->count; j++)
            json_array_append_new(tests, test_json(c, &c->tests[j]));
        json_t *entry = json_pack("{s:s, s:f, s:i, s:b}", "chapter", c->chapter->dir, "score",
                                  c->score, "max_score", c->max_score, "passed",
                                  chapter_passed(c));
        if (c->problem)
            json_object_set_new(entry, "problem", json_string(c->problem));
        json_array_append_new(chapters, entry);
    }
    char *summary = xasprintf("pcw grader: %s, seed %llu: %g / %d", r->submission, r->seed,
                              score, max);
    json_t *root = json_pack("{s:f, s:i, s:f, s:s, s:s, s:o, s:{s:I, s:o}}", "score", score,
                             "max_score", max, "execution_time", r->seconds, "output", summary,
                             "stdout_visibility", "visible", "tests", tests, "extra_data",
                             "seed", (json_int_t)r->seed, "chapters", chapters);
    free(summary);
    if (!root)
        fatal("json_pack failed for the report");
    bool ok = write_json_atomically(path, root);
    json_decref(root);
    return ok;
}

void report_json_failure(const char *path, const char *message)
{
    char *safe = shorten(message, strlen(message), 2000);
    json_t *root = json_pack("{s:i, s:i, s:i, s:s, s:[]}", "score", 0, "max_score", 0,
                             "execution_time", 0, "output", safe, "tests");
    if (root)
        write_json_atomically(path, root);
    json_decref(root);
    free(safe);
}
