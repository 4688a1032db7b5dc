/*
 * The C limit: what a small C program pays for the same work as the Lua
 * rows. One libcurl easy handle reused (keep-alive), GET the page, parse it
 * with cJSON, read every field, free the tree. With --file the page is
 * parsed from memory instead (the decode-only reference).
 *
 *   climit URL COUNT ROUNDS
 *   climit --file PATH COUNT ROUNDS
 *
 * One untimed request (or parse) comes first, in every run, so that
 * callgrind's (Ir at COUNT - Ir at 0) / COUNT is the steady state. Prints
 * "RATE <best requests per second over ROUNDS rounds>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

struct body {
    char *data;
    size_t len, cap;
};

static size_t on_body(char *data, size_t size, size_t count, void *ud)
{
    struct body *b = ud;
    size_t n = size * count;

    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        char *p;
        while (cap < b->len + n)
            cap *= 2;
        p = realloc(b->data, cap);
        if (p == NULL)
            return 0;
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    return n;
}

/* Reads every value of the tree; the sum keeps the compiler from skipping it. */
static double walk(const cJSON *item)
{
    const cJSON *child;
    double sum = 0;

    if (item->string != NULL)
        sum += (double)strlen(item->string);
    if (cJSON_IsString(item))
        sum += (double)strlen(item->valuestring);
    else if (cJSON_IsNumber(item))
        sum += item->valuedouble;
    else if (cJSON_IsTrue(item))
        sum += 1;
    cJSON_ArrayForEach(child, item)
        sum += walk(child);
    return sum;
}

static double parse_walk_free(const char *text, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    double sum;

    if (root == NULL) {
        fprintf(stderr, "climit: invalid JSON\n");
        exit(1);
    }
    sum = walk(root);
    cJSON_Delete(root);
    return sum;
}

static double one_request(CURL *curl, struct body *b)
{
    CURLcode rc;
    long status = 0;

    b->len = 0;
    rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK || status != 200) {
        fprintf(stderr, "climit: %s (HTTP %ld)\n", curl_easy_strerror(rc), status);
        exit(1);
    }
    return parse_walk_free(b->data, b->len);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long size;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "climit: cannot read %s\n", path);
        exit(1);
    }
    data = malloc((size_t)size);
    if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "climit: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)size;
    return data;
}

int main(int argc, char **argv)
{
    int from_file = argc == 5 && strcmp(argv[1], "--file") == 0;
    const char *target = argv[from_file ? 2 : 1];
    long count, rounds, i, r;
    double best = 0, sink = 0;
    struct body b = { NULL, 0, 0 };
    CURL *curl = NULL;
    char *text = NULL;
    size_t len = 0;

    if (argc != (from_file ? 5 : 4)) {
        fprintf(stderr, "usage: climit URL COUNT ROUNDS | climit --file PATH COUNT ROUNDS\n");
        return 2;
    }
    count = atol(argv[from_file ? 3 : 2]);
    rounds = atol(argv[from_file ? 4 : 3]);
    if (from_file) {
        text = read_file(target, &len);
        sink += parse_walk_free(text, len);
    } else {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl = curl_easy_init();
        curl_easy_setopt(curl, CURLOPT_URL, target);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
        sink += one_request(curl, &b);
    }
    for (r = 0; r < rounds && count > 0; r++) {
        double start = now(), rate;
        for (i = 0; i < count; i++)
            sink += from_file ? parse_walk_free(text, len) : one_request(curl, &b);
        rate = (double)count / (now() - start);
        if (rate > best)
            best = rate;
    }
    printf("RATE %.1f\n", best);
    if (sink == 0)
        printf("(empty walk)\n");
    if (curl != NULL) {
        curl_easy_cleanup(curl);
        curl_global_cleanup();
    }
    free(b.data);
    free(text);
    return 0;
}
