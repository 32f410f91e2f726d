-- The child vaccination schedule of C2 E (models/marts/qualidade/_qualidade__docs.md), per
-- child and component: the day the component was complete. Doses of the listed vaccines are
-- taken in date order from birth on, a dose counting when it is at least `intervalo` days after
-- the last counted one (AMB-C2-5; 1 day for tríplice viral: different days), tríplice viral
-- only from the 1st birthday on; dose labels are ignored and unlisted vaccines do not count.
-- Counting in date order makes each counted dose independent of later ones, so "complete on
-- day X" holds for every competência from X on. Children born in the last three years and a
-- half (the C2 lists of the computed competências) only.
{%- set componentes = {
    'dtp': {'vacinas': ['29', '39', '42', '43', '46', '47', '58'], 'doses': 3, 'intervalo': 30},
    'hepatite_b': {'vacinas': ['9', '42', '43'], 'doses': 3, 'intervalo': 30},
    'hib': {'vacinas': ['17', '29', '39', '42', '43'], 'doses': 3, 'intervalo': 30},
    'poliomielite': {'vacinas': ['22', '29', '43', '58'], 'doses': 3, 'intervalo': 30},
    'pneumococica': {'vacinas': ['26', '59', '106', '107'], 'doses': 2, 'intervalo': 30},
    'triplice_viral': {'vacinas': ['24', '56'], 'doses': 2, 'intervalo': 1},
} %}

with

vacinas as (

    select * from {{ ref('int_vacinas_aplicadas') }}
    where {{ escopo_municipio() }}

),

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where
        {{ escopo_municipio() }}
        and dt_nascimento > {{ data_referencia() }} - interval '42 months'

),

componentes as (

    select * from (
        values
        {%- for componente, regra in componentes.items() %}
            {%- set ultimo = loop.last %}
            {%- for vacina in regra['vacinas'] %}
                ('{{ componente }}', '{{ vacina }}', {{ regra['doses'] }}, {{ regra['intervalo'] }})
                {%- if not (ultimo and loop.last) %},{% endif %}
            {%- endfor %}
        {%- endfor %}
    ) as componentes (componente, nu_imunobiologico, nu_doses, nu_intervalo)

),

doses as (

    select distinct
        vacinas.co_municipio_ibge,
        vacinas.co_pessoa,
        componentes.componente,
        componentes.nu_doses,
        componentes.nu_intervalo,
        vacinas.dt_aplicacao
    from vacinas
    inner join pessoas
        on
            vacinas.co_municipio_ibge = pessoas.co_municipio_ibge
            and vacinas.co_pessoa = pessoas.co_pessoa
    inner join componentes
        on ltrim(vacinas.nu_imunobiologico, '0') = componentes.nu_imunobiologico
    where
        vacinas.dt_aplicacao >= pessoas.dt_nascimento
        and (
            componentes.componente <> 'triplice_viral'
            or vacinas.dt_aplicacao >= {{ aniversario('pessoas.dt_nascimento', '1 year') }}
        )

),

primeira as (

    select
        co_municipio_ibge,
        co_pessoa,
        componente,
        min(nu_doses) as nu_doses,
        min(nu_intervalo) as nu_intervalo,
        min(dt_aplicacao) as dt_dose_1
    from doses
    group by co_municipio_ibge, co_pessoa, componente

),

segunda as (

    select
        primeira.*,
        min(doses.dt_aplicacao) as dt_dose_2
    from primeira
    left join doses
        on
            primeira.co_municipio_ibge = doses.co_municipio_ibge
            and primeira.co_pessoa = doses.co_pessoa
            and primeira.componente = doses.componente
            and doses.dt_aplicacao >= primeira.dt_dose_1 + primeira.nu_intervalo
    group by
        primeira.co_municipio_ibge,
        primeira.co_pessoa,
        primeira.componente,
        primeira.nu_doses,
        primeira.nu_intervalo,
        primeira.dt_dose_1

),

terceira as (

    select
        segunda.*,
        min(doses.dt_aplicacao) as dt_dose_3
    from segunda
    left join doses
        on
            segunda.co_municipio_ibge = doses.co_municipio_ibge
            and segunda.co_pessoa = doses.co_pessoa
            and segunda.componente = doses.componente
            and doses.dt_aplicacao >= segunda.dt_dose_2 + segunda.nu_intervalo
    group by
        segunda.co_municipio_ibge,
        segunda.co_pessoa,
        segunda.componente,
        segunda.nu_doses,
        segunda.nu_intervalo,
        segunda.dt_dose_1,
        segunda.dt_dose_2

),

final as (

    select
        co_municipio_ibge,
        co_pessoa,
        componente,
        nu_doses,
        dt_dose_1,
        dt_dose_2,
        dt_dose_3,
        case nu_doses
            when 2 then dt_dose_2
            when 3 then dt_dose_3
        end as dt_esquema_completo
    from terceira

)

select * from final
