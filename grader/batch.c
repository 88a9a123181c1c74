/* batch.c - a class at a time. Each student is graded in a process of its own, so one
 * hostile or broken submission can only ruin its own row; archives are unpacked by the
 * sandbox, as the unprivileged user, into a folder of their own. */
#define _GNU_SOURCE
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "speedup.h"

#define ARCHIVE_MAX_FILES 500
#define ARCHIVE_MAX_MB 20

struct student {
    char *id;
    char *entry;     /* path in the batch folder */
    char *folder;    /* the submission to grade, once unpacked */
    char *rejected;  /* why it could not be graded */
    pid_t pid;
    json_t *result;
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The id is the entry's name without its archive suffix, safe inside a CSV field. */
static char *student_id(const char *name)
{
    char *id = xstrdup(name);
    static const char *const suffixes[] = {".tar.gz", ".tgz", ".zip", NULL};
    for (int i = 0; suffixes[i]; i++)
        if (ends_with(id, suffixes[i]) && strlen(id) > strlen(suffixes[i])) {
            id[strlen(id) - strlen(suffixes[i])] = '\0';
            break;
        }
    for (char *p = id; *p; p++)
        if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r' || (unsigned char)*p < 0x20)
            *p = '_';
    return id;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct student *)a)->id, ((const struct student *)b)->id);
}

/* Counts the files below dir; removes links and anything that is not a file or folder. */
static void survey(const char *dir, int *files, long long *bytes, int depth)
{
    DIR *d = opendir(dir);
    if (!d || depth > 20) {
        if (d)
            closedir(d);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                survey(path, files, bytes, depth + 1);
            } else if (S_ISREG(st.st_mode)) {
                (*files)++;
                *bytes += st.st_size;
            } else {
                unlink(path);
            }
        }
        free(path);
    }
    closedir(d);
}

/* A folder that holds NN-slug folders: the archive's root, or the one folder it wraps. */
static char *submission_root(const char *dir)
{
    char *current = xstrdup(dir);
    for (int level = 0; level < 3; level++) {
        DIR *d = opendir(current);
        if (!d)
            break;
        int folders = 0, chapters = 0;
        char *only = NULL;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || strcmp(e->d_name, "__MACOSX") == 0)
                continue;
            char *path = xasprintf("%s/%s", current, e->d_name);
            struct stat st;
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                folders++;
                if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && e->d_name[1] >= '0' &&
                    e->d_name[1] <= '9' && e->d_name[2] == '-')
                    chapters++;
                free(only);
                only = xstrdup(path);
            }
            free(path);
        }
        closedir(d);
        if (chapters > 0 || folders != 1) {
            free(only);
            break;
        }
        free(current);
        current = only;
    }
    return current;
}

/* Unpacks an archive with tar or unzip, sandboxed, into dest; NULL or why not. */
static char *unpack(const char *archive, const char *dest)
{
    char *absolute = realpath(archive, NULL);
    if (!absolute)
        return xasprintf("cannot read %s: %s", archive, strerror(errno));
    bool zip = ends_with(archive, ".zip");
    char *tar = find_program("tar"), *unzip = find_program("unzip");
    char *tool = zip ? unzip : tar;
    if (!tool) {
        free(tar), free(unzip), free(absolute);
        return xstrdup(zip ? "unzip is not installed" : "tar is not installed");
    }
    char *zip_argv[] = {tool, "-qq", "-o", absolute, NULL};
    char *tar_argv[] = {tool, "-xzf", absolute, "--no-same-owner", "--no-same-permissions",
                        "--no-overwrite-dir", NULL};
    prepare_run_dir(dest);
    struct run_spec spec = {.argv = zip ? zip_argv : tar_argv, .dir = dest,
                            .limits = {.wall_s = 30, .cpu_s = 30, .mem_mb = 1024, .procs = 16,
                                       .output_kb = 64, .file_mb = ARCHIVE_MAX_MB}};
    struct run_result r;
    run_sandboxed(&spec, &r);
    char *why = NULL;
    if (!r.started || !r.exited || r.exit_code != 0) {
        char *ending = describe_ending(&r, &spec.limits);
        char *err = shorten(r.err.data, r.err.len, 200);
        why = xasprintf("archive could not be unpacked (%s): %s", ending, err);
        free(ending), free(err);
    } else {
        int files = 0;
        long long bytes = 0;
        survey(dest, &files, &bytes, 0);
        if (files > ARCHIVE_MAX_FILES || bytes > (long long)ARCHIVE_MAX_MB << 20)
            why = xasprintf("archive holds %d files and %lld bytes: more than %d files or %d MiB",
                            files, bytes, ARCHIVE_MAX_FILES, ARCHIVE_MAX_MB);
    }
    hand_back(dest);
    run_result_free(&r);
    free(tar), free(unzip), free(absolute);
    return why;
}

static struct student *list_students(const struct batch_options *b, size_t *count)
{
    DIR *d = opendir(b->dir);
    if (!d)
        fatal("--batch %s: %s", b->dir, strerror(errno));
    size_t n = 0, cap = 16;
    struct student *list = xcalloc(cap, sizeof *list);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *id = student_id(e->d_name);
        bool wanted = b->student_count == 0;
        for (int i = 0; i < b->student_count; i++)
            wanted |= strcmp(b->students[i], id) == 0;
        if (!wanted) {
            free(id);
            continue;
        }
        if (n == cap)
            list = xrealloc(list, (cap *= 2) * sizeof *list);
        list[n++] = (struct student){.id = id, .entry = xasprintf("%s/%s", b->dir, e->d_name)};
    }
    closedir(d);
    qsort(list, n, sizeof *list, by_name);
    for (int i = 0; i < b->student_count; i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++)
            found |= strcmp(list[k].id, b->students[i]) == 0;
        if (!found)
            fatal("--student %s: no such submission in %s", b->students[i], b->dir);
    }
    *count = n;
    return list;
}

static void prepare(struct session *s, struct student *st, size_t index)
{
    struct stat info;
    if (lstat(st->entry, &info) < 0) {
        st->rejected = xasprintf("%s: %s", st->entry, strerror(errno));
    } else if (S_ISDIR(info.st_mode)) {
        st->folder = submission_root(st->entry);
    } else if (S_ISREG(info.st_mode) && (ends_with(st->entry, ".zip") ||
                                         ends_with(st->entry, ".tar.gz") ||
                                         ends_with(st->entry, ".tgz"))) {
        char *dest = xasprintf("%s/unpacked-%zu", s->temp_root, index);
        st->rejected = unpack(st->entry, dest);
        if (!st->rejected)
            st->folder = submission_root(dest);
        free(dest);
    } else {
        st->rejected = xstrdup("not a folder, .zip, .tar.gz or .tgz");
    }
}

#define EXIT_REJECTED 4

/* In a child process of its own (the sandbox reaps whatever it finds among its children,
 * so the batch itself runs none): unpack, grade, write results.json and the text report. */
static _Noreturn void grade_student(struct session *s, const struct batch_options *b,
                                    struct student *st, const char *json_path, size_t index)
{
    sandbox_init();
    char *own_temp = xasprintf("%s/student-%zu", s->temp_root, index);
    if (mkdir(own_temp, 0711) < 0)
        fatal("mkdir %s: %s", own_temp, strerror(errno));
    s->temp_root = own_temp;
    prepare(s, st, index);
    if (st->rejected) {
        report_json_failure(json_path, st->rejected);
        remove_tree(own_temp);
        _exit(EXIT_REJECTED);
    }
    char *text_path = b->json_dir ? xasprintf("%s/%s.txt", b->json_dir, st->id) : NULL;
    FILE *text = text_path ? fopen(text_path, "we") : NULL;
    struct report r;
    grade_submission(s, st->folder, &r);
    r.submission = st->id;
    if (text) {
        report_text(text, &r, false);
        fclose(text);
    }
    bool ok = report_json(json_path, &r);
    remove_tree(own_temp);
    _exit(ok ? 0 : 3);
}

static const char *status_of(const struct student *st)
{
    if (st->rejected)
        return "rejected archive";
    if (!st->result)
        return "grader error";
    const char *status = "graded";
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(st->result, "extra_data"), "chapters"), i, c) {
        if (json_is_string(json_object_get(c, "problem")))
            return "build failed";
    }
    json_t *t;
    json_array_foreach(json_object_get(st->result, "tests"), i, t) {
        const char *out = json_string_value(json_object_get(t, "output"));
        if (out && strstr(out, "timed out"))
            status = "timed out";
    }
    return status;
}

static double chapter_score(const struct student *st, const char *dir, bool *passed)
{
    size_t i;
    json_t *c;
    *passed = false;
    json_array_foreach(json_object_get(json_object_get(st->result, "extra_data"), "chapters"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "chapter")), dir) == 0) {
            *passed = json_is_true(json_object_get(c, "passed"));
            return json_number_value(json_object_get(c, "score"));
        }
    }
    return 0;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Rows of an earlier gradebook for students not regraded now (--student). */
static char **earlier_rows(const char *csv, struct student *list, size_t n)
{
    struct buf text = {0};
    if (!read_file(csv, &text, 16 << 20))
        return NULL;
    char **lines = split_lines(text.data, text.len, NULL);
    buf_free(&text);
    char **kept = xcalloc(1, sizeof *kept);
    size_t k = 0;
    for (char **l = lines; *l; l++) {
        if (l == lines || strncmp(*l, "summary:", 8) == 0 || !**l)
            continue;
        size_t id_len = strcspn(*l, ",");
        bool regraded = false;
        for (size_t i = 0; i < n; i++)
            regraded |= strlen(list[i].id) == id_len && strncmp(list[i].id, *l, id_len) == 0;
        if (!regraded) {
            kept = xrealloc(kept, (k + 2) * sizeof *kept);
            kept[k++] = xstrdup(*l);
            kept[k] = NULL;
        }
    }
    free_lines(lines);
    return kept;
}

static void write_gradebook(const struct session *s, const struct batch_options *b,
                            struct student *list, size_t n)
{
    char **kept = b->student_count ? earlier_rows(b->csv, list, n) : NULL;
    char *tmp = xasprintf("%s.tmp", b->csv);
    FILE *f = fopen(tmp, "we");
    if (!f)
        fatal("%s: %s", tmp, strerror(errno));
    int max = 0;
    for (size_t c = 0; c < s->chapter_count; c++)
        max += s->chapters[c]->max_points;
    fprintf(f, "id,total,max");
    for (size_t c = 0; c < s->chapter_count; c++)
        fprintf(f, ",%s", s->chapters[c]->dir);
    fprintf(f, ",status\n");
    for (char **row = kept; row && *row; row++)
        fprintf(f, "%s\n", *row);
    double *totals = xcalloc(n + 1, sizeof *totals);
    int *passes = xcalloc(s->chapter_count + 1, sizeof *passes);
    size_t graded = 0;
    for (size_t i = 0; i < n; i++) {
        struct student *st = &list[i];
        double total = st->result ? json_number_value(json_object_get(st->result, "score")) : 0;
        /* Skipped tests (one CPU, --no-race) do not count in a student's maximum. */
        json_t *own_max = st->result ? json_object_get(st->result, "max_score") : NULL;
        fprintf(f, "%s,%g,%d", st->id, total, own_max ? (int)json_integer_value(own_max) : max);
        for (size_t c = 0; c < s->chapter_count; c++) {
            bool passed;
            double score = st->result ? chapter_score(st, s->chapters[c]->dir, &passed) : 0;
            passes[c] += st->result && passed;
            fprintf(f, ",%g", score);
        }
        fprintf(f, ",%s\n", status_of(st));
        totals[graded++] = total;
    }
    qsort(totals, graded, sizeof *totals, compare_doubles);
    double sum = 0;
    for (size_t i = 0; i < graded; i++)
        sum += totals[i];
    double median = graded == 0 ? 0 : graded % 2 ? totals[graded / 2]
                                                 : (totals[graded / 2 - 1] + totals[graded / 2]) / 2;
    fprintf(f, "summary:mean,%.2f,%d", graded ? sum / (double)graded : 0, max);
    for (size_t c = 0; c < s->chapter_count; c++)
        fprintf(f, ",");
    fprintf(f, ",\nsummary:median,%g,%d", median, max);
    for (size_t c = 0; c < s->chapter_count; c++)
        fprintf(f, ",");
    fprintf(f, ",\nsummary:pass_rate,,");
    for (size_t c = 0; c < s->chapter_count; c++)
        fprintf(f, ",%.2f", n ? (double)passes[c] / (double)n : 0);
    fprintf(f, ",\n");
    if (fclose(f) != 0 || rename(tmp, b->csv) != 0)
        fatal("writing %s: %s", b->csv, strerror(errno));
    free(tmp);
    free(totals);
    free(passes);
    free_lines(kept);
}

static void progress(size_t done, size_t n, double start, const char *id)
{
    if (!isatty(STDERR_FILENO))
        return;
    double elapsed = monotonic_seconds() - start;
    double eta = done ? elapsed / (double)done * (double)(n - done) : 0;
    fprintf(stderr, "\r\033[K[%zu/%zu] %s  elapsed %d:%02d  ETA %d:%02d", done, n, id,
            (int)elapsed / 60, (int)elapsed % 60, (int)eta / 60, (int)eta % 60);
    if (done == n)
        fputc('\n', stderr);
}

/* The timed pass's reference numbers, measured once (by grading the reference itself)
 * so every student of the batch is held to the same ones. */
static void measure_reference(struct session *s, const struct batch_options *b)
{
    if (!s->options.speedup)
        return;
    if (b->reference_numbers && speedup_load_reference_numbers(b->reference_numbers)) {
        fprintf(stderr, "grade: reference numbers from %s\n", b->reference_numbers);
        return;
    }
    fprintf(stderr, "grade: measuring the reference solutions once for the whole batch\n");
    struct grading_options saved = s->options;
    s->options.race = false;
    struct report r;
    grade_submission(s, s->reference_dir, &r);
    report_free(&r);
    s->options = saved;
    if (b->reference_numbers && !speedup_save_reference_numbers(b->reference_numbers))
        fatal("writing %s: %s", b->reference_numbers, strerror(errno));
}

int run_batch(struct session *s, const struct batch_options *b)
{
    size_t n;
    struct student *list = list_students(b, &n);
    if (b->json_dir && mkdir(b->json_dir, 0755) < 0 && errno != EEXIST)
        fatal("mkdir %s: %s", b->json_dir, strerror(errno));
    s->reference_builds = s->temp_root;
    build_references(s);
    measure_reference(s, b);
    if (b->json_dir) {
        char *path = xasprintf("%s/reference-numbers.json", b->json_dir);
        if (!speedup_save_reference_numbers(path))
            fatal("writing %s: %s", path, strerror(errno));
        free(path);
    }
    double start = monotonic_seconds();
    size_t next = 0, done = 0;
    int running = 0;
    char **json_paths = xcalloc(n + 1, sizeof *json_paths);
    while (done < n && !grading_interrupted) {
        while (running < b->jobs && next < n) {
            struct student *st = &list[next];
            json_paths[next] = b->json_dir ? xasprintf("%s/%s.json", b->json_dir, st->id)
                                           : xasprintf("%s/result-%zu.json", s->temp_root, next);
            fflush(NULL);
            st->pid = fork();
            if (st->pid < 0)
                fatal("fork: %s", strerror(errno));
            if (st->pid == 0)
                grade_student(s, b, st, json_paths[next], next);
            running++;
            next++;
        }
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            fatal("waitpid: %s", strerror(errno));
        for (size_t i = 0; i < next; i++) {
            if (list[i].pid != pid)
                continue;
            list[i].pid = 0;
            running--;
            done++;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                list[i].result = json_load_file(json_paths[i], 0, NULL);
            } else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_REJECTED) {
                json_t *why = json_load_file(json_paths[i], 0, NULL);
                list[i].rejected = xstrdup(json_string_value(json_object_get(why, "output")) ?: "?");
                json_decref(why);
            } else
                report_json_failure(json_paths[i], "the grader failed on this submission");
            progress(done, n, start, list[i].id);
        }
    }
    write_gradebook(s, b, list, n);
    int exit_status = 0;
    for (size_t i = 0; i < n; i++) {
        if (!list[i].result || json_number_value(json_object_get(list[i].result, "score")) <
                                   json_number_value(json_object_get(list[i].result, "max_score")))
            exit_status = 1;
        json_decref(list[i].result);
        free(list[i].id), free(list[i].entry), free(list[i].folder), free(list[i].rejected);
        free(json_paths[i]);
    }
    free(json_paths);
    free(list);
    fprintf(stderr, "grade: %zu submissions graded into %s in %.0f s\n", n, b->csv,
            monotonic_seconds() - start);
    return exit_status;
}
