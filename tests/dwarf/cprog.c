/*
 * cprog.c - the C oracle for run-dwarf.sh: prints, with offsetof/sizeof and
 * its globals' addresses (built -no-pie, so they are link-time addresses),
 * what goscope must read back from this program's own DWARF.  Same line
 * format as offsets.go.
 */
#include <stddef.h>
#include <stdio.h>

struct point {
	short x;
	long long y;
};

struct shape {
	char kind;
	struct point origin;
	union {
		int radius;
		double side;
	};
	struct point corners[4];
	const char *label;
	unsigned flags : 3;
	struct shape *next;
};

typedef struct shape shape_t;

shape_t c_shapes[3];
long c_counter = 5;

__attribute__((noinline)) double c_area(const shape_t *s, double scale, int n)
{
	return s->side * scale * n;
}

int main(int argc, char **argv)
{
	printf("size point %zu\n", sizeof(struct point));
	printf("size shape %zu\n", sizeof(struct shape));
	printf("size shape_t %zu\n", sizeof(shape_t));
	printf("field shape kind %zu\n", offsetof(struct shape, kind));
	printf("field shape origin %zu\n", offsetof(struct shape, origin));
	printf("field shape origin.y %zu\n", offsetof(struct shape, origin.y));
	printf("field shape radius %zu\n", offsetof(struct shape, radius));
	printf("field shape side %zu\n", offsetof(struct shape, side));
	printf("field shape corners %zu\n", offsetof(struct shape, corners));
	printf("field shape label %zu\n", offsetof(struct shape, label));
	printf("field shape next %zu\n", offsetof(struct shape, next));
	printf("field shape_t next %zu\n", offsetof(shape_t, next));
	printf("field point y %zu\n", offsetof(struct point, y));
	printf("global c_shapes %p\n", (void *)c_shapes);
	printf("global c_counter %p\n", (void *)&c_counter);
	printf("func c_area s scale n\n");
	if (argc > 5)
		printf("%f\n", c_area(&c_shapes[0], 2.0, argc));
	return 0;
}
