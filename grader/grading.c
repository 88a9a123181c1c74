/* grading.c - one submission, chapter by chapter: build the reference and the student's
 * file, then run each test of the chapter table in order. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grading.h"

volatile sig_atomic_t grading_interrupted;

static char *trimmed_diagnostics(const char *text, const char *from, const char *to)
{
    struct buf b = {0};
    buf_add(&b, "", 0);
    int lines = 0;
    size_t from_len = strlen(from);
    for (const char *p = text; *p && lines < 15;) {
        if (strncmp(p, from, from_len) == 0) {
            buf_add(&b, to, strlen(to));
            p += from_len;
            continue;
        }
        if (*p == '\n')
            lines++;
        buf_add(&b, p++, 1);
    }
    char *out = shorten(b.data, b.len, 1500);
    buf_free(&b);
    return out;
}

/* A test runs only once the tests it requires passed: after a failure it fails unchecked;
 * after a skip (this machine could not judge) it is skipped too. */
static bool requirements_met(const struct chapter_result *cr, size_t upto, const struct test *t,
                             struct verdict *v)
{
    for (const char **id = t->requires; *id; id++)
        for (size_t i = 0; i < upto; i++) {
            const struct test_outcome *before = &cr->tests[i];
            if (strcmp(before->test->id, *id) != 0)
                continue;
            if (before->verdict.status == FAIL) {
                verdict_fail(v, NULL, NULL);
                v->blocked_by = before->test->name;
                return false;
            }
            if (before->verdict.status == SKIP) {
                verdict_skip(v, "'%s' was skipped", before->test->name);
                return false;
            }
        }
    return true;
}

/* The reference's folder for this run; built on first use, then reused. */
static void build_reference(struct session *s, const struct chapter *c, struct build *ref,
                            char **ref_dir, char **ref_source)
{
    *ref_dir = xasprintf("%s/reference-%s", s->reference_builds ? s->reference_builds : s->temp_root,
                         c->dir);
    *ref_source = xasprintf("%s/%s/%s.c", s->reference_dir, c->dir, c->program);
    char *binary = xasprintf("%s/%s", *ref_dir, c->program);
    if (access(binary, X_OK) == 0) {
        *ref = (struct build){.ok = true, .binary = binary, .diagnostics = xstrdup("")};
        return;
    }
    free(binary);
    if (mkdir(*ref_dir, 0711) < 0 && errno != EEXIST)
        fatal("mkdir %s: %s", *ref_dir, strerror(errno));
    build_program(c, *ref_source, *ref_dir, BUILD_PLAIN, ref);
    if (!ref->ok)
        fatal("the reference for %s does not build (%s): %s\n%s", c->dir, *ref_source,
              ref->problem, ref->diagnostics ? ref->diagnostics : "");
}

void build_references(struct session *s)
{
    for (size_t i = 0; i < s->chapter_count; i++) {
        const struct chapter *c = s->chapters[i];
        struct build plain, tsan = {0};
        char *dir, *source;
        build_reference(s, c, &plain, &dir, &source);
        bool wants_tsan = false;
        for (size_t j = 0; j < c->test_count; j++) {
            const char *tool = json_string_value(json_object_get(c->tests[j].params, "tool"));
            wants_tsan |= tool && strcmp(tool, "tsan") == 0;
        }
        if (wants_tsan && s->options.race)
            build_program(c, source, dir, BUILD_TSAN, &tsan);
        build_free(&plain);
        build_free(&tsan);
        free(dir), free(source);
    }
}

static void grade_chapter(struct session *s, const char *submission, const struct chapter *c,
                          struct chapter_result *cr)
{
    *cr = (struct chapter_result){.chapter = c};
    cr->count = c->test_count;
    cr->tests = xcalloc(c->test_count, sizeof *cr->tests);
    char *source = xasprintf("%s/%s/%s.c", submission, c->dir, c->program);
    char *flat = xasprintf("%s/%s.c", submission, c->program);
    struct stat st;
    /* Gradescope and LMS uploads often arrive flat: PROG.c without its chapter folder. */
    if (lstat(source, &st) < 0 && lstat(flat, &st) == 0) {
        free(source);
        source = flat;
    } else {
        free(flat);
    }
    cr->source = source;
    char *work = xasprintf("%s/%s", s->temp_root, c->dir);
    char *run_dir = xasprintf("%s/run", work);
    if (mkdir(work, 0711) < 0)
        fatal("mkdir %s: %s", work, strerror(errno));

    struct build student, reference;
    char *ref_dir, *ref_source;
    build_reference(s, c, &reference, &ref_dir, &ref_source);
    build_program(c, source, work, BUILD_PLAIN, &student);
    if (!student.ok) {
        cr->problem = xstrdup(student.problem);
        char *copied = xasprintf("%s/%s.c", work, c->program);
        if (student.diagnostics && *student.diagnostics)
            cr->diagnostics = trimmed_diagnostics(student.diagnostics, copied, source);
        free(copied);
    }
    struct grading g = {.chapter = c, .student = &student, .reference = &reference,
                        .source = source, .work_dir = work, .reference_source = ref_source,
                        .reference_dir = ref_dir, .run_dir = run_dir,
                        .probe_lib = s->probe_lib, .rng = &s->rng, .options = &s->options};
    for (size_t i = 0; i < c->test_count; i++) {
        const struct test *t = &c->tests[i];
        struct verdict *v = &cr->tests[i].verdict;
        cr->tests[i].test = t;
        bool timed = strcmp(t->kind, "speedup") == 0 || strcmp(t->kind, "pace") == 0;
        bool tool = strcmp(t->kind, "race") == 0 || strcmp(t->kind, "memcheck") == 0;
        if (grading_interrupted) {
            verdict_skip(v, "grading was interrupted");
        } else if ((timed && !s->options.speedup) || (tool && !s->options.race)) {
            verdict_skip(v, "turned off (%s)", timed ? "--no-speedup" : "--no-race");
        } else if (!student.ok) {
            verdict_fail(v, NULL, NULL);
        } else if (requirements_met(cr, i, t, v)) {
            find_check(t->kind)(&g, t, v);
        }
        if (v->status == SKIP)
            cr->skipped_points += t->points;
        else
            cr->max_score += t->points;
        cr->score += v->score;
    }
    build_free(&student);
    build_free(&reference);
    build_free(&g.tsan);
    build_free(&g.reference_tsan);
    remove_tree(work);
    free(work), free(run_dir), free(ref_dir), free(ref_source);
}

void grade_submission(struct session *s, const char *submission, struct report *r)
{
    double start = monotonic_seconds();
    *r = (struct report){.submission = submission, .seed = s->seed, .count = s->chapter_count};
    r->chapters = xcalloc(s->chapter_count, sizeof *r->chapters);
    for (size_t i = 0; i < s->chapter_count; i++)
        grade_chapter(s, submission, s->chapters[i], &r->chapters[i]);
    r->seconds = monotonic_seconds() - start;
}

bool report_passed(const struct report *r)
{
    bool passed = !grading_interrupted;
    for (size_t i = 0; i < r->count; i++)
        passed &= chapter_passed(&r->chapters[i]);
    return passed;
}

void report_free(struct report *r)
{
    for (size_t i = 0; i < r->count; i++) {
        struct chapter_result *cr = &r->chapters[i];
        for (size_t j = 0; j < cr->count; j++)
            verdict_free(&cr->tests[j].verdict);
        free(cr->tests);
        free(cr->problem);
        free(cr->diagnostics);
        free((char *)cr->source);
    }
    free(r->chapters);
    r->chapters = NULL;
}
