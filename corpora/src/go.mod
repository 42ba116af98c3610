module goscope.test/corpora

go 1.19
