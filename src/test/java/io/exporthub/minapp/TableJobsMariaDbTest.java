package io.exporthub.minapp;

/**
 * The same table jobs with the store on the local MariaDB: every field type in typed columns of
 * {@code tbl_<id>}, each where operator, ordering and the import/export round trips.
 */
class TableJobsMariaDbTest extends TableJobsTest {
    @Override
    String storeKind() {
        return "mariadb";
    }
}
